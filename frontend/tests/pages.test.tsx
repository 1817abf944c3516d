import { fireEvent, render, screen } from '@testing-library/react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import LivePage from '@/app/live/page';
import ModelsPage from '@/app/models/page';
import StreamPage from '@/app/stream/page';
import { FakeWebSocket, fakeInfo, fakeModel, fakeModelList, problem, routeFetch } from './fakes';

describe('Live page', () => {
  it('says plainly when camera permission is denied', async () => {
    const err = Object.assign(new Error('Permission denied'), { name: 'NotAllowedError' });
    Object.defineProperty(navigator, 'mediaDevices', { configurable: true, value: { getUserMedia: vi.fn().mockRejectedValue(err) } });
    render(<LivePage />);
    fireEvent.click(screen.getByRole('button', { name: 'Start camera' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toMatch(/Camera permission denied/);
    expect(screen.getByRole('button', { name: 'Start camera' })).toBeTruthy();
  });
});

describe('Stream page', () => {
  beforeEach(() => {
    FakeWebSocket.reset();
    vi.stubGlobal('WebSocket', FakeWebSocket);
  });
  it('is off when the server does not allow camera URLs', async () => {
    routeFetch({ 'GET /api/pose-single/v1/info': () => fakeInfo({ allow_stream_urls: false }) });
    render(<StreamPage />);
    expect((await screen.findByTestId('stream-disabled')).textContent).toMatch(/allow_stream_urls/);
    expect(screen.queryByLabelText('Camera URL')).toBeNull();
  });
  it('opens the server-read stream when allowed, and refuses odd schemes locally', async () => {
    routeFetch({ 'GET /api/pose-single/v1/info': () => fakeInfo({ allow_stream_urls: true }) });
    render(<StreamPage />);
    const input = await screen.findByLabelText('Camera URL');
    fireEvent.change(input, { target: { value: 'file:///etc/passwd' } });
    fireEvent.click(screen.getByRole('button', { name: 'Start' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/Only rtsp/);
    fireEvent.change(input, { target: { value: 'rtsp://cam.local/live' } });
    fireEvent.click(screen.getByRole('button', { name: 'Start' }));
    expect(FakeWebSocket.instances[0].url).toBe('ws://localhost:3000/api/pose-single/v1/stream/url?url=rtsp%3A%2F%2Fcam.local%2Flive');
  });
  it('says when the service is down', async () => {
    routeFetch({ 'GET /api/pose-single/v1/info': () => problem(502, 'The pose-single service at http://127.0.0.1:8002 is not reachable (ECONNREFUSED).') });
    render(<StreamPage />);
    expect((await screen.findByRole('alert')).textContent).toMatch(/not reachable/);
  });
});

describe('Models page', () => {
  it('shows the service error when the classifier is down', async () => {
    vi.stubGlobal('fetch', vi.fn().mockRejectedValue(new TypeError('Failed to fetch')));
    render(<ModelsPage />);
    expect((await screen.findByRole('alert')).textContent).toMatch(/classifier service is not reachable/);
  });
  it('lists models, default first', async () => {
    routeFetch({
      'GET /api/classifier/v1/models': () => fakeModelList('b', [fakeModel({ name: 'a', classes: ['x'] }), fakeModel({ name: 'b', classes: ['x', 'y'] })]),
    });
    render(<ModelsPage />);
    const cards = await screen.findAllByTestId('model-card');
    expect(cards[0].querySelector('h2')?.textContent).toMatch(/^b/);
  });
});
