import { describe, expect, it, vi } from 'vitest';
import {
  ApiError, deleteJob, detailText, encodeFrame, errorFromResponse, getJob, listJobs, listModels, normalizeJob,
  parseStreamMessage, streamUrlsAllowed, toEpochMs, uploadVideo, validCameraUrl, wsUrl, cameraUrlStreamUrl, closeReason,
} from '@/lib/api';
import { FakeXHR, jsonResponse, routeFetch } from './fakes';

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
  const svcJob = {
    id: 'abc', status: 'running', progress: 42.5, created_at: 1763735000.5, updated_at: 1763735001, filename: 'ta_chi.mp4',
    error: null, options: {}, source: { filename: 'ta_chi.mp4' }, frames_done: 10, stats: {}, result_url: null,
  };
  it('normalises the service job shape', () => {
    const j = normalizeJob('pose-single', svcJob);
    expect(j).toMatchObject({ id: 'abc', status: 'running', progress: 42.5, filename: 'ta_chi.mp4', service: 'pose-single' });
    expect(j.createdAt).toBe(1763735000500);
    expect(normalizeJob('pose-multi', { ...svcJob, status: 'failed', error: 'decode error' }).error).toBe('decode error');
    expect(normalizeJob('pose-multi', { ...svcJob, status: 'done', progress: 99 }).progress).toBe(100);
    expect(normalizeJob('pose-multi', { ...svcJob, status: 'running', progress: 0.4 }).progress).toBe(0.4);
  });
  it('converts timestamps', () => {
    expect(toEpochMs(1.7e9)).toBe(1.7e12);
    expect(toEpochMs(1.7e12)).toBe(1.7e12);
    expect(toEpochMs('2025-01-01T00:00:00Z')).toBe(Date.UTC(2025, 0, 1));
    expect(toEpochMs(null)).toBeUndefined();
  });
  it('lists, gets and deletes through the proxy prefix', async () => {
    const f = routeFetch({
      'GET /api/pose-multi/v1/jobs': () => jsonResponse({ jobs: [svcJob], queue_depth: 0 }),
      'GET /api/pose-single/v1/jobs/abc': () => jsonResponse(svcJob),
      'DELETE /api/pose-single/v1/jobs/abc': () => new Response(null, { status: 204 }),
    });
    const jobs = await listJobs('pose-multi');
    expect(jobs).toHaveLength(1);
    expect(jobs[0].service).toBe('pose-multi');
    expect((await getJob('pose-single', 'abc')).progress).toBe(42.5);
    await deleteJob('pose-single', 'abc');
    expect(f).toHaveBeenCalledTimes(3);
    const err = await getJob('pose-single', 'nope').catch((e) => e);
    expect(err.status).toBe(404);
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
    xhr.respond(202, { id: 'j1', status: 'queued', progress: 0, filename: 'clip.mp4' });
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
  it('knows when camera URLs are allowed and which URLs are acceptable', () => {
    expect(streamUrlsAllowed({ allow_stream_urls: true })).toBe(true);
    expect(streamUrlsAllowed({ allow_stream_urls: false })).toBe(false);
    expect(streamUrlsAllowed(null)).toBe(false);
    expect(validCameraUrl('rtsp://10.0.0.5/stream')).toBeNull();
    expect(validCameraUrl('file:///etc/passwd')).toMatch(/Only rtsp/);
    expect(validCameraUrl('camera')).toMatch(/not a URL/);
  });
});

describe('models', () => {
  it('accepts a list or a map of models', async () => {
    routeFetch({ 'GET /api/classifier/v1/models': () => jsonResponse({ default: 'stgcn', models: [{ name: 'stgcn', classes: ['a', 'b'] }, { name: 'cnn_lstm', classes: ['a'] }] }) });
    const r = await listModels();
    expect(r.models.map((m) => [m.name, m.isDefault])).toEqual([['stgcn', true], ['cnn_lstm', false]]);
    routeFetch({ 'GET /api/classifier/v1/models': () => jsonResponse({ models: { x: { classes: ['c'], default: true } } }) });
    expect((await listModels()).models[0]).toMatchObject({ name: 'x', isDefault: true, classes: ['c'] });
  });
});
