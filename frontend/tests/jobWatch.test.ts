import { beforeEach, describe, expect, it, vi } from 'vitest';
import { watchJob } from '@/lib/jobWatch';
import type { Job } from '@/lib/api';
import { FakeWebSocket, fakeJob, jobEvent, routeFetch } from './fakes';

describe('watchJob', () => {
  beforeEach(() => FakeWebSocket.reset());

  it('follows progress pushed on the events socket and stops when done', async () => {
    routeFetch({ 'GET /api/pose-single/v1/jobs/{job_id}': (_req, { job_id }) => fakeJob({ id: job_id, status: 'queued', progress: 0 }) });
    const seen: Job[] = [];
    watchJob('pose-single', 'j1', (j) => seen.push(j), { WebSocketImpl: FakeWebSocket as unknown as typeof WebSocket, pollMs: 10_000 });
    const ws = FakeWebSocket.instances[0];
    expect(ws.url).toBe('ws://localhost:3000/api/pose-single/v1/jobs/j1/events');
    ws.open();
    ws.receive(jobEvent(fakeJob({ id: 'j1', status: 'running', progress: 37.5 })));
    ws.receive(jobEvent(fakeJob({ id: 'j1', status: 'done', progress: 100 })));
    await new Promise((r) => setTimeout(r, 20)); // the first poll's answer arrives late: ignored
    const statuses = seen.map((j) => `${j.status}:${j.progress}`);
    expect(statuses).toContain('running:37.5');
    expect(statuses.at(-1)).toBe('done:100');
    expect(ws.readyState).toBe(3);
  });

  it('polls when there is no socket', async () => {
    let n = 0;
    routeFetch({
      'GET /api/pose-multi/v1/jobs/{job_id}': (_req, { job_id }) => {
        n++;
        return fakeJob({ id: job_id, status: n < 3 ? 'running' : 'done', progress: n < 3 ? n * 30 : 100 });
      },
    });
    const seen: Job[] = [];
    watchJob('pose-multi', 'j2', (j) => seen.push(j), { WebSocketImpl: null, pollMs: 5 });
    await vi.waitFor(() => expect(seen.at(-1)?.status).toBe('done'), { timeout: 2000 });
    expect(seen.map((j) => j.progress)).toEqual([30, 60, 100]);
  });
});
