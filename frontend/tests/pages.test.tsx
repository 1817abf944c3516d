import { fireEvent, render, screen, within } from '@testing-library/react';
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

describe('Live page camera switch', () => {
  beforeEach(() => {
    FakeWebSocket.reset();
    vi.stubGlobal('WebSocket', FakeWebSocket);
  });
  it('offers the other camera when there are two, and swaps it in under the running stream', async () => {
    const stops: string[] = [];
    const fakeStream = (name: string) => ({ getTracks: () => [{ stop: () => stops.push(name) }] }) as unknown as MediaStream;
    const getUserMedia = vi.fn(async (c: MediaStreamConstraints) => fakeStream(String(((c.video as MediaTrackConstraints).facingMode as ConstrainDOMStringParameters).ideal)));
    const enumerateDevices = vi.fn(async () => [{ kind: 'videoinput' }, { kind: 'videoinput' }, { kind: 'audioinput' }] as MediaDeviceInfo[]);
    Object.defineProperty(navigator, 'mediaDevices', { configurable: true, value: { getUserMedia, enumerateDevices } });
    render(<LivePage />);
    fireEvent.click(screen.getByRole('button', { name: 'Start camera' }));
    const back = await screen.findByRole('button', { name: 'Use the back camera' });
    expect(getUserMedia.mock.calls[0][0]).toMatchObject({ video: { facingMode: { ideal: 'user' } }, audio: false });
    const sockets = FakeWebSocket.instances.length;
    fireEvent.click(back);
    await screen.findByRole('button', { name: 'Use the front camera' });
    expect(getUserMedia.mock.calls[1][0]).toMatchObject({ video: { facingMode: { ideal: 'environment' } } });
    expect(stops).toEqual(['user']); // the front camera let go
    expect(FakeWebSocket.instances.length).toBe(sockets); // the same connection goes on
    expect((screen.getByTestId('camera') as HTMLVideoElement & { srcObject: unknown }).srcObject).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Stop' }));
    expect(stops).toEqual(['user', 'environment']);
  });
  it('shows no switch with one camera', async () => {
    Object.defineProperty(navigator, 'mediaDevices', {
      configurable: true,
      value: { getUserMedia: vi.fn(async () => ({ getTracks: () => [] })), enumerateDevices: vi.fn(async () => [{ kind: 'videoinput' }]) },
    });
    render(<LivePage />);
    fireEvent.click(screen.getByRole('button', { name: 'Start camera' }));
    await screen.findByRole('button', { name: 'Stop' });
    await new Promise((r) => setTimeout(r, 50));
    expect(screen.queryByTestId('switch-camera')).toBeNull();
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
  it('compares the models in a table first, default first, and opens a card on demand', async () => {
    routeFetch({
      'GET /api/classifier/v1/models': () =>
        fakeModelList('b', [
          fakeModel({ name: 'a', classes: ['x'], metrics: { accuracy: 1, macro_f1: 0.5 } }),
          fakeModel({
            name: 'b', classes: ['x', 'y'], parameters: 356555, size_bytes: 1433020, windows_per_second: 3908.1,
            metrics: { accuracy: 0.9123, macro_f1: 0.8 },
            real_video: { spans: 31, correct: 11, accuracy: 0.3548, reading: 'lag', lag_s: 1.6, labels: 'causal' },
            training_data: [
              { name: 'UTD-MHAD', licence: 'free for research use with a citation: C. Chen et al.' },
              { name: 'Bandai Namco mocap', licence: 'CC BY-NC 4.0: attribution, non-commercial use only' },
            ],
            report_files: { 'curves.png': '/v1/models/b/report/curves.png' },
          }),
        ]),
    });
    render(<ModelsPage />);
    const table = await screen.findByTestId('model-table');
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map((r) => r.dataset.model)).toEqual(['b', 'a']);
    const b = within(rows[0]);
    expect(b.getByTestId('real-video').textContent).toBe('11 / 3135.5%');
    expect(b.getByText('91.2%')).toBeTruthy(); // a share is a percentage
    expect(b.getByText('3,908')).toBeTruthy();
    expect(b.getByText('1.4 MB')).toBeTruthy();
    expect(b.getByText('Bandai Namco mocap: CC BY-NC 4.0')).toBeTruthy();
    expect(b.getByText('UTD-MHAD: free for research use with a citation')).toBeTruthy();
    expect(within(rows[1]).getByText('100.0%')).toBeTruthy(); // 1.0 reads as 100.0%, not "1"
    expect(within(rows[1]).getByText('not measured')).toBeTruthy();
    expect(screen.queryByTestId('model-card')).toBeNull(); // cards on demand
    const show = b.getByRole('button', { name: 'Show the card of b' });
    fireEvent.click(show);
    const card = await screen.findByTestId('model-card');
    expect(show.getAttribute('aria-expanded')).toBe('true');
    expect(within(card).getByRole('img').getAttribute('alt')).toMatch(/^Training curves of b: loss and accuracy per epoch/);
    expect(within(card).getByRole('link', { name: /Training curves/ }).getAttribute('href')).toBe('/api/classifier/v1/models/b/report/curves.png');
    expect(within(card).getByTestId('training-data').textContent).toMatch(/non-commercial use only/);
    fireEvent.click(b.getByRole('button', { name: 'Hide the card of b' }));
    expect(screen.queryByTestId('model-card')).toBeNull();
  });
});
