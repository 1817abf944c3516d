import { describe, expect, it, vi } from 'vitest';
import {
  ApiError, cancelJob, deleteJob, detailText, encodeFrame, errorFromResponse, getInfo, getJob, listJobs, listModels, listQueue,
  parseStreamMessage, uploadVideo, validCameraUrl, wsUrl, cameraUrlStreamUrl, closeReason,
} from '@/lib/api';
import { FakeXHR, fakeInfo, fakeJob, fakeModel, fakeModelList, problem, routeFetch } from './fakes';

describe('error messages', () => {
  it('reads FastAPI detail strings and validation lists', () => {
    expect(detailText({ detail: 'not a video: no video stream found' })).toBe('not a video: no video stream found');
    expect(detailText({ detail: [{ loc: ['query', 'stride'], msg: 'Input should be greater than 0' }] })).toBe('query.stride: Input should be greater than 0');
    expect(detailText('plain text')).toBe('plain text');
    expect(detailText(null)).toBeUndefined();
  });
  it('says a service is down on 502 and keeps the server message on 422', () => {
    const down = errorFromResponse('pose-multi', 502, '{"detail":"The pose-multi service at http://127.0.0.1:8003 is not reachable (ECONNREFUSED)."}');
    expect(down.serviceDown).toBe(true);
    expect(down.message).toBe('The pose-multi service at http://127.0.0.1:8003 is not reachable (ECONNREFUSED).');
    expect(errorFromResponse('pose-multi', 502, '<html>Bad Gateway</html>').message).toBe('The multi-person pose service is not reachable.');
    expect(errorFromResponse('pose-multi', 502, '').message).toBe('The multi-person pose service is not reachable.');
    const bad = errorFromResponse('pose-single', 422, '{"detail":"cannot decode the file: Invalid data found when processing input"}');
    expect(bad.serviceDown).toBe(false);
    expect(bad.message).toBe('cannot decode the file: Invalid data found when processing input');
    expect(errorFromResponse('classifier', 500, '<html>oops</html>', 'Internal Server Error').message).toBe('The classifier service answered 500 Internal Server Error.');
    expect(errorFromResponse('classifier', 500, '', 'Internal Server Error').message).toMatch(/answered 500/);
  });
  it('turns a refused connection into an ApiError with status 0', async () => {
    vi.stubGlobal('fetch', vi.fn().mockRejectedValue(new TypeError('Failed to fetch')));
    const err = await getJob('pose-single', 'x').catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(0);
    expect(err.serviceDown).toBe(true);
  });
});

describe('jobs', () => {
  const svcJob = fakeJob({
    id: 'abc', status: 'running', progress: 42.5, created_at: 1763735000.5, updated_at: 1763735001, filename: 'ta_chi.mp4', frames_done: 10,
  });
  it('lists, gets and deletes through the proxy prefix, with the job as the service sends it', async () => {
    const f = routeFetch({
      'GET /api/pose-multi/v1/jobs': () => ({ jobs: [svcJob], queue_depth: 0 }),
      'GET /api/pose-single/v1/jobs/{job_id}': (_req, { job_id }) => (job_id === 'abc' ? svcJob : problem(404, `no job ${job_id}`)),
      'DELETE /api/pose-single/v1/jobs/{job_id}': () => new Response(null, { status: 204 }),
    });
    const jobs = await listJobs('pose-multi');
    expect(jobs).toEqual([{ ...svcJob, service: 'pose-multi' }]);
    const job = await getJob('pose-single', 'abc');
    expect(job).toMatchObject({ id: 'abc', status: 'running', progress: 42.5, created_at: 1763735000.5, filename: 'ta_chi.mp4', service: 'pose-single' });
    await deleteJob('pose-single', 'abc');
    expect(f).toHaveBeenCalledTimes(3);
    expect((f.mock.calls[2][0] as Request).method).toBe('DELETE');
    const err = await getJob('pose-single', 'nope').catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(404);
    expect(err.message).toBe('no job nope');
  });
  it('cancels with POST /v1/jobs/{id}/cancel and reads the queue depth', async () => {
    const f = routeFetch({
      'GET /api/pose-single/v1/jobs': () => ({ jobs: [svcJob], queue_depth: 3 }),
      'POST /api/pose-single/v1/jobs/{job_id}/cancel': (_req, { job_id }) =>
        job_id === 'abc' ? { ...svcJob, status: 'cancelled' as const, error: 'cancelled' } : problem(409, 'the job has ended already: it is done'),
    });
    expect((await listQueue('pose-single')).queueDepth).toBe(3);
    const job = await cancelJob('pose-single', 'abc');
    expect(job).toMatchObject({ id: 'abc', status: 'cancelled', service: 'pose-single' });
    expect((f.mock.calls[1][0] as Request).method).toBe('POST');
    const err = await cancelJob('pose-single', 'old').catch((e) => e);
    expect(err.status).toBe(409);
    expect(err.message).toBe('the job has ended already: it is done');
  });
  it('fakes only what a service can send', () => {
    // These must not compile (tsc checks the tests): a fake answer the service could not send ...
    routeFetch({
      // @ts-expect-error a job without its declared fields, and a status the services do not have
      'GET /api/pose-single/v1/jobs/{job_id}': () => ({ id: 'abc', status: 'finished' }),
    });
    // ... and a route the service does not have.
    // @ts-expect-error no such route on the classifier
    routeFetch({ 'GET /api/classifier/v1/jobs': () => ({}) });
  });
});

describe('upload', () => {
  it('posts multipart with progress, resolves to the job', async () => {
    vi.stubGlobal('XMLHttpRequest', FakeXHR);
    const progress: number[] = [];
    const p = uploadVideo('pose-multi', new File([new Uint8Array(10)], 'clip.mp4', { type: 'video/mp4' }), { onProgress: (f) => progress.push(f) });
    const xhr = FakeXHR.last!;
    expect(xhr.method).toBe('POST');
    expect(xhr.url).toBe('/api/pose-multi/v1/videos');
    expect((xhr.body as FormData).get('file')).toBeInstanceOf(File);
    xhr.progress(5, 10);
    xhr.respond(202, fakeJob({ id: 'j1', status: 'queued', progress: 0, filename: 'clip.mp4' }));
    const job = await p;
    expect(job).toMatchObject({ id: 'j1', status: 'queued', service: 'pose-multi' });
    expect(progress).toEqual([0.5, 1]);
  });
  it('rejects with the server message', async () => {
    vi.stubGlobal('XMLHttpRequest', FakeXHR);
    const p = uploadVideo('pose-single', new File(['hello'], 'notes.txt'));
    FakeXHR.last!.respond(422, { detail: 'not a video file: no video stream' });
    await expect(p).rejects.toMatchObject({ status: 422, message: 'not a video file: no video stream' });
  });
  it('413 reads as too large', async () => {
    vi.stubGlobal('XMLHttpRequest', FakeXHR);
    const p = uploadVideo('pose-single', new File(['x'], 'big.mp4'));
    FakeXHR.last!.respond(413, { detail: 'upload over the limit of 500000000 bytes' });
    await expect(p).rejects.toMatchObject({ status: 413, message: 'upload over the limit of 500000000 bytes' });
  });
});

describe('stream protocol', () => {
  it('frames a JPEG with a 4-byte big-endian sequence number', () => {
    const out = encodeFrame(0x01020304, new Uint8Array([0xff, 0xd8]));
    expect([...out]).toEqual([1, 2, 3, 4, 0xff, 0xd8]);
    expect([...encodeFrame(1, new Uint8Array([9]).buffer)]).toEqual([0, 0, 0, 1, 9]);
  });

  it('puts the capture time between the sequence number and the image', () => {
    const out = encodeFrame(2, new Uint8Array([0xff, 0xd8]), 1500.5);
    expect(out.byteLength).toBe(14);
    const view = new DataView(out.buffer);
    expect(view.getUint32(0, false)).toBe(2);
    expect(view.getFloat64(4, false)).toBe(1500.5);
    expect([...out.slice(12)]).toEqual([0xff, 0xd8]);
  });
  it('parses frame and error messages only', () => {
    expect(parseStreamMessage('{"type":"error","seq":3,"message":"not a JPEG"}')).toEqual({ type: 'error', seq: 3, message: 'not a JPEG' });
    expect(parseStreamMessage('{"type":"hello"}')).toBeNull();
    expect(parseStreamMessage('nope')).toBeNull();
    expect(parseStreamMessage(new ArrayBuffer(2))).toBeNull();
  });
  it('builds same-origin WebSocket URLs', () => {
    expect(wsUrl('pose-single', '/v1/stream')).toBe('ws://localhost:3000/api/pose-single/v1/stream');
    expect(cameraUrlStreamUrl('pose-multi', 'rtsp://cam/a?b=1')).toBe('ws://localhost:3000/api/pose-multi/v1/stream/url?url=rtsp%3A%2F%2Fcam%2Fa%3Fb%3D1');
    expect(closeReason(1009, '')).toMatch(/larger than the server accepts/);
  });
  it('reads the service information and knows which camera URLs are acceptable', async () => {
    routeFetch({ 'GET /api/pose-multi/v1/info': () => fakeInfo({ service: 'pose-multi', allow_stream_urls: true }) });
    expect((await getInfo('pose-multi')).allow_stream_urls).toBe(true);
    expect(validCameraUrl('rtsp://10.0.0.5/stream')).toBeNull();
    expect(validCameraUrl('file:///etc/passwd')).toMatch(/Only rtsp/);
    expect(validCameraUrl('camera')).toMatch(/not a URL/);
  });
});

describe('models', () => {
  it('reads the classifier model list', async () => {
    const list = fakeModelList('stgcn', [fakeModel({ name: 'stgcn', classes: ['a', 'b'] }), fakeModel({ name: 'cnn_lstm', classes: ['a'] })]);
    routeFetch({ 'GET /api/classifier/v1/models': () => list });
    expect(await listModels()).toEqual(list);
  });
});
