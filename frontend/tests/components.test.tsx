import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import JobList from '@/components/JobList';
import ModelCard from '@/components/ModelCard';
import Notices from '@/components/Notices';
import Player from '@/components/Player';
import UploadPanel, { checkFile } from '@/components/UploadPanel';
import Timeline from '@/components/Timeline';
import { forgetUpload, rememberUpload, uploadedFile, uploadedUrl } from '@/lib/localSources';
import type { VideoAnalysis } from '@/lib/types';
import { contextOf } from './setup';
import { example } from './example';
import { FakeWebSocket, FakeXHR, fakeInfo, fakeJob, fakeModel, fakeModelList, fakeWindow, jobEvent, problem, routeFetch } from './fakes';

describe('localSources', () => {
  it('makes one object URL per upload and revokes it when the upload is forgotten', () => {
    const create = vi.fn(() => 'blob:one');
    const revoke = vi.fn();
    // jsdom has no object URLs: a URL class that makes them, for this test only.
    vi.stubGlobal('URL', class extends URL {
      static createObjectURL = create;
      static revokeObjectURL = revoke;
    });
    const file = new File(['x'], 'a.mp4', { type: 'video/mp4' });
    expect(uploadedUrl('pose-single', 'u1')).toBeUndefined();
    rememberUpload('pose-single', 'u1', file);
    expect(uploadedUrl('pose-single', 'u1')).toBe('blob:one');
    expect(uploadedUrl('pose-single', 'u1')).toBe('blob:one');
    expect(create).toHaveBeenCalledTimes(1);
    forgetUpload('pose-single', 'u1');
    expect(revoke).toHaveBeenCalledWith('blob:one');
    expect(uploadedFile('pose-single', 'u1')).toBeUndefined();
  });
});

describe('UploadPanel', () => {
  beforeEach(() => {
    FakeWebSocket.reset();
    vi.stubGlobal('XMLHttpRequest', FakeXHR);
    vi.stubGlobal('WebSocket', FakeWebSocket);
  });

  const pickFile = (file: File) => fireEvent.change(screen.getByTestId('file-input'), { target: { files: [file] } });

  it('uploads to the chosen service, shows upload then processing progress, and reports the finished job', async () => {
    routeFetch({ 'GET /api/pose-multi/v1/jobs/{job_id}': (_req, { job_id }) => fakeJob({ id: job_id, status: 'running', progress: 10 }) });
    const done = vi.fn();
    render(<UploadPanel onJobDone={done} />);
    const file = new File([new Uint8Array(100)], 'ta_chi.mp4', { type: 'video/mp4' });
    pickFile(file);
    expect(screen.getByText('ta_chi.mp4')).toBeTruthy();
    fireEvent.click(screen.getByLabelText(/Several people/));
    fireEvent.click(screen.getByRole('button', { name: 'Upload and analyse' }));
    const xhr = FakeXHR.last!;
    expect(xhr.url).toBe('/api/pose-multi/v1/videos');
    act(() => xhr.progress(50, 100));
    expect(screen.getByRole('progressbar', { name: 'Uploading' }).getAttribute('aria-valuenow')).toBe('50');
    act(() => xhr.respond(202, fakeJob({ id: 'j9', status: 'queued', progress: 0, filename: 'ta_chi.mp4' })));
    await screen.findByRole('progressbar', { name: /Queued|Processing/ });
    expect(uploadedFile('pose-multi', 'j9')).toBe(file);
    const ws = FakeWebSocket.instances[0];
    expect(ws.url).toMatch(/\/api\/pose-multi\/v1\/jobs\/j9\/events$/);
    act(() => {
      ws.open();
      ws.receive(jobEvent(fakeJob({ id: 'j9', status: 'running', progress: 64 })));
    });
    await waitFor(() => expect(screen.getByRole('progressbar', { name: 'Processing' }).getAttribute('aria-valuenow')).toBe('64'));
    act(() => ws.receive(jobEvent(fakeJob({ id: 'j9', status: 'done', progress: 100 }))));
    await waitFor(() => expect(done).toHaveBeenCalledWith(expect.objectContaining({ id: 'j9', status: 'done', service: 'pose-multi' })));
    expect(screen.getByRole('status').textContent).toMatch(/Analysis ready/);
  });

  it('says where to find a clip when none is bundled, and analyses a bundled sample at a click', async () => {
    // public/samples.json and the clips are the web app's own static files, not a service's routes
    const statics = (files: Record<string, () => Response>) =>
      vi.stubGlobal('fetch', vi.fn(async (input: RequestInfo | URL) => {
        const p = new URL(input instanceof Request ? input.url : String(input), 'http://localhost:3000').pathname;
        return files[p]?.() ?? problem(404, `no route GET ${p}`);
      }));
    const json = (body: unknown) => () => new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
    statics({ '/samples.json': json({ samples: [] }) });
    const { unmount } = render(<UploadPanel />);
    expect((await screen.findByTestId('sample-offer')).textContent).toMatch(/No sample clip comes with this installation.*Wikimedia Commons/);
    unmount();
    const clip = new Uint8Array([0, 0, 0, 24, 102, 116, 121, 112]);
    statics({
      '/samples.json': json({ samples: [{ file: 'samples/walk.mp4', title: 'A walk', source: 'our own footage', licence: 'CC0' }] }),
      '/samples/walk.mp4': () => new Response(clip, { status: 200, headers: { 'content-type': 'video/mp4' } }),
    });
    render(<UploadPanel />);
    const offer = await screen.findByTestId('sample-offer');
    expect(offer.textContent).toMatch(/our own footage; CC0/);
    fireEvent.click(within(offer).getByRole('button', { name: 'Analyse “A walk”' }));
    await waitFor(() => expect(FakeXHR.last?.url).toBe('/api/pose-single/v1/videos'));
    const sent = (FakeXHR.last!.body as FormData).get('file') as File;
    expect(sent.name).toBe('walk.mp4');
    expect(new Uint8Array(await sent.arrayBuffer())).toEqual(clip);
    expect(screen.getByText('walk.mp4')).toBeTruthy(); // the drop zone names the chosen sample
  });

  it('shows the server message when the file is rejected', async () => {
    render(<UploadPanel />);
    pickFile(new File(['just text'], 'notes.txt', { type: 'text/plain' }));
    fireEvent.click(screen.getByRole('button', { name: 'Upload and analyse' }));
    act(() => FakeXHR.last!.respond(422, { detail: 'not a video: no video stream in the file' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toMatch(/File rejected\./);
    expect(alert.textContent).toMatch(/not a video: no video stream in the file/);
  });

  it('shows the limits and the model classes before uploading, and refuses a file past them without sending it', async () => {
    routeFetch({
      'GET /api/pose-single/v1/info': () =>
        fakeInfo({ video_formats: ['mp4', 'avi'], limits: { max_inflight: 4, max_message_bytes: 1 << 20, max_streams: 4, max_upload_bytes: 2_000_000, max_video_duration_s: 300 } }),
      'GET /api/classifier/v1/models': () => fakeModelList('tcn', [fakeModel({ name: 'tcn', classes: ['walking', 'sitting'] })]),
    });
    FakeXHR.last = null;
    render(<UploadPanel />);
    await waitFor(() => expect(screen.getByTestId('upload-limits').textContent).toBe('Up to 2.0 MB and 5 min per video; formats: mp4, avi.'));
    expect(screen.getByRole('list', { name: 'Classes of tcn' }).textContent).toBe('walkingsitting');
    pickFile(new File([new Uint8Array(3_000_000)], 'big.mp4', { type: 'video/mp4' }));
    expect(screen.getByTestId('file-problem').textContent).toMatch(/big\.mp4” is 3\.0 MB; the service takes files up to 2\.0 MB/);
    expect((screen.getByRole('button', { name: 'Upload and analyse' }) as HTMLButtonElement).disabled).toBe(true);
    pickFile(new File(['x'], 'clip.wmv'));
    expect(screen.getByTestId('file-problem').textContent).toMatch(/not a video format the service reads \(mp4, avi\)/);
    expect(screen.getByRole('button', { name: /Chosen video: clip\.wmv/ })).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Upload and analyse' }));
    expect(FakeXHR.last).toBeNull(); // nothing was sent
  });

  it('checks size, length and format in plain words', () => {
    const limits = { max_inflight: 4, max_message_bytes: 1 << 20, max_streams: 4, max_upload_bytes: 10, max_video_duration_s: 600 };
    const small = new File(['12345'], 'a.MP4');
    expect(checkFile(small, limits, ['mp4'], 30)).toBeNull();
    expect(checkFile(small, limits, ['mp4'], null)).toBeNull(); // length unknown (an AVI, say): the server checks it
    expect(checkFile(small, limits, ['mp4'], 1800)).toBe('“a.MP4” lasts 30 min; the service takes videos up to 10 min. Cut it first.');
    expect(checkFile(new File(['x'.repeat(20)], 'b.mp4'), limits, ['mp4'], null)).toMatch(/is 0\.0 MB; the service takes files up to 0\.0 MB/);
    expect(checkFile(small, null, null, null)).toBeNull(); // limits not known: nothing refused here
  });

  it('says so when the service is down', async () => {
    render(<UploadPanel />);
    pickFile(new File(['x'], 'a.mp4'));
    fireEvent.click(screen.getByRole('button', { name: 'Upload and analyse' }));
    act(() => FakeXHR.last!.respond(502, { detail: 'The pose-single service at http://127.0.0.1:8002 is not reachable (ECONNREFUSED).' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toMatch(/Service unavailable\..*pose-single service at http:\/\/127.0.0.1:8002 is not reachable/);
  });
});

describe('Player', () => {
  const analysis: VideoAnalysis = {
    ...example,
    segments: [
      { schema_version: '1.0', track_id: 0, label: 'walking', start_ms: 0, end_ms: 40, duration_ms: 40, mean_confidence: 0.8 },
      { schema_version: '1.0', track_id: 0, label: 'standing', start_ms: 40, end_ms: 100, duration_ms: 60, mean_confidence: 0.7 },
    ],
  };
  const sources = [{ id: 'annotated', label: 'Annotated', src: '/api/pose-single/v1/jobs/a/video', annotated: true }];
  const downloads = [
    { label: 'Keypoints JSON', href: '/api/pose-single/v1/jobs/a/result', filename: 'ta_chi.analysis.json' },
    { label: 'CSV', href: '/api/pose-single/v1/jobs/a/keypoints.csv', filename: 'ta_chi.keypoints.csv' },
  ];

  it('draws the skeleton of the frame on screen and lists the people in it', () => {
    render(<Player analysis={analysis} sources={sources} downloads={downloads} />);
    const canvas = screen.getByTestId('overlay') as HTMLCanvasElement;
    const ctx = contextOf(canvas);
    expect(ctx.calls.filter((c) => c.op === 'arc').length).toBeGreaterThanOrEqual(17);
    expect(canvas.dataset.frameIndex).toBe('0');
    // uncertain is a state, not a result: no percentage, and not the label chip
    const now = within(screen.getByTestId('now-people'));
    expect(now.queryByTestId('person-label')).toBeNull();
    expect(now.getByTestId('person-state').textContent).toBe('uncertain');
    expect(now.getByTestId('person-state').dataset.state).toBe('uncertain');
  });

  it('tells warming up from uncertain with the unlabelled spans, and draws them hatched with presence per person', () => {
    const t0 = example.frames[0].timestamp_ms;
    const withSpans: VideoAnalysis = {
      ...analysis,
      unlabelled: [{ track_id: 0, start_ms: t0, end_ms: t0 + 50, reason: 'window_filling' }],
    };
    render(<Player analysis={withSpans} sources={sources} />);
    const state = within(screen.getByTestId('now-people')).getByTestId('person-state');
    expect(state.dataset.state).toBe('warming');
    expect(state.textContent).toMatch(/warming up/);
    const timeline = screen.getByTestId('timeline');
    const gap = timeline.querySelector('.tl-gap') as HTMLElement;
    expect(gap.dataset.reason).toBe('window_filling');
    expect(gap.getAttribute('aria-label')).toMatch(/person 0 unlabelled \(window filling\)/);
    expect(within(timeline).getAllByTestId('presence').length).toBeGreaterThanOrEqual(1);
  });

  it('shows a timeline per person and seeks when a segment is clicked', () => {
    render(<Player analysis={analysis} sources={sources} downloads={downloads} />);
    const bars = within(screen.getByTestId('timeline')).getAllByRole('button');
    expect(bars.map((b) => b.dataset.label)).toEqual(['walking', 'standing']);
    const video = screen.getByTestId('video') as HTMLVideoElement;
    fireEvent.click(bars[1]);
    expect(video.currentTime).toBeCloseTo(0.041, 3);
    const canvas = screen.getByTestId('overlay') as HTMLCanvasElement;
    expect(canvas.dataset.frameIndex).toBe('1');
    const rows = within(screen.getByTestId('segment-table')).getAllByRole('row');
    expect(rows).toHaveLength(3);
    fireEvent.click(rows[1]);
    expect(video.currentTime).toBeCloseTo(0.001, 3);
  });

  it('seeks to the time clicked inside a bar, and a segment row from the keyboard', () => {
    render(<Player analysis={analysis} sources={sources} downloads={downloads} />);
    const track = screen.getByTestId('timeline').querySelector('.tl-track') as HTMLElement;
    // the row is 1000 px wide from x=100 and the timeline lasts the example's duration
    vi.spyOn(track, 'getBoundingClientRect').mockReturnValue({ left: 100, width: 1000, top: 0, height: 20, right: 1100, bottom: 20, x: 100, y: 0, toJSON: () => ({}) });
    const total = Math.max(analysis.source.duration_ms, 100);
    const video = screen.getByTestId('video') as HTMLVideoElement;
    const standing = within(screen.getByTestId('timeline')).getByRole('button', { name: /standing/ });
    const inside = 40 + 0.5 * 60; // the middle of the standing bar (40-100 ms)
    fireEvent.click(standing, { detail: 1, clientX: 100 + (inside / total) * 1000 });
    expect(video.currentTime * 1000).toBeCloseTo(inside + 1, 0);
    // a click right of the bar's end stays inside the bar
    fireEvent.click(standing, { detail: 1, clientX: 1099 });
    expect(video.currentTime * 1000).toBeCloseTo(101, 0);
    // rows of the segment table are reached with Tab and played with Enter or Space
    const rows = within(screen.getByTestId('segment-table')).getAllByRole('row').slice(1);
    expect(rows.map((r) => r.tabIndex)).toEqual([0, 0]);
    expect(rows[1].getAttribute('aria-label')).toBe('Play person 0 standing from 0:00.0');
    fireEvent.keyDown(rows[1], { key: 'Enter' });
    expect(video.currentTime * 1000).toBeCloseTo(41, 0);
    fireEvent.keyDown(rows[0], { key: ' ' });
    expect(video.currentTime * 1000).toBeCloseTo(1, 0);
  });

  it('lists the top three classes with their probabilities per person', () => {
    const f0 = example.frames[0];
    const withTop: VideoAnalysis = {
      ...analysis,
      frames: [
        {
          ...f0,
          persons: f0.persons!.map((p) => ({
            ...p,
            action: { label: 'walking', confidence: 0.62, reason: null, top_k: [{ label: 'walking', probability: 0.62 }, { label: 'running', probability: 0.3 }, { label: 'other', probability: 0.05 }] },
          })),
        },
        ...example.frames.slice(1),
      ],
    };
    render(<Player analysis={withTop} sources={sources} />);
    const top = within(screen.getByTestId('now-people')).getByTestId('top-k');
    expect([...top.querySelectorAll('li')].map((li) => li.textContent)).toEqual(['walking 62%', 'running 30%', 'other 5%']);
  });

  it('re-cuts the segments at a minimum confidence chosen with the slider, and goes back', () => {
    const p0 = example.frames[0].persons![0];
    const frames = Array.from({ length: 20 }, (_, i) => {
      const p = i < 10 ? 0.9 : 0.6;
      return {
        ...example.frames[0],
        frame_index: i,
        timestamp_ms: i * 100,
        persons: [{ ...p0, track_id: 0, action: { label: 'walking', confidence: p, reason: null, top_k: [{ label: 'walking', probability: p }, { label: 'other', probability: 1 - p }] } }],
      };
    });
    const withProbs: VideoAnalysis = { ...analysis, frames, source: { ...analysis.source, duration_ms: 2000 } };
    render(<Player analysis={withProbs} sources={sources} />);
    const rows = () => within(screen.getByTestId('segment-table')).getAllByRole('row').slice(1).map((r) => r.textContent);
    expect(rows()).toHaveLength(2); // the service's segments
    expect(screen.getByTestId('min-confidence-value').textContent).toBe("the service's segments");
    fireEvent.change(screen.getByTestId('min-confidence'), { target: { value: '80' } });
    expect(screen.getByTestId('min-confidence-value').textContent).toMatch(/^80%: re-cut here/);
    expect(rows()).toEqual([expect.stringMatching(/^0walking0:00\.00:01\.0/)]); // 0.6 falls under 80 %
    fireEvent.change(screen.getByTestId('min-confidence'), { target: { value: '50' } });
    expect(rows()).toEqual([expect.stringMatching(/^0walking0:00\.00:01\.9/)]);
    fireEvent.click(screen.getByRole('button', { name: "Back to the service's segments" }));
    expect(rows()).toHaveLength(2);
  });

  it('offers the downloads with file names', () => {
    render(<Player analysis={analysis} sources={sources} downloads={downloads} />);
    const link = screen.getByRole('link', { name: 'Keypoints JSON' });
    expect(link.getAttribute('href')).toBe('/api/pose-single/v1/jobs/a/result');
    expect(link.getAttribute('download')).toBe('ta_chi.analysis.json');
  });

  it('turns the overlay off', () => {
    render(<Player analysis={analysis} sources={sources} />);
    const ctx = contextOf(screen.getByTestId('overlay') as HTMLCanvasElement);
    ctx.calls.length = 0;
    fireEvent.click(screen.getByLabelText('Skeletons'));
    expect(ctx.calls.some((c) => c.op === 'clearRect')).toBe(true);
    expect(ctx.calls.some((c) => c.op === 'arc')).toBe(false);
  });

  it('shows the real example result: its segments on the timeline and in the table', () => {
    render(<Player analysis={example} sources={sources} />);
    const labels = within(screen.getByTestId('timeline')).getAllByRole('button').map((b) => b.dataset.label);
    expect(labels).toEqual(example.segments!.map((s) => s.label));
    expect(within(screen.getByTestId('segment-table')).getAllByRole('row')).toHaveLength(example.segments!.length + 1);
    expect(screen.queryByText(/these come from the per-frame labels/)).toBeNull();
  });

  it('derives segments from per-frame labels when the service sent none', () => {
    render(<Player analysis={{ ...example, segments: [] }} sources={sources} />);
    expect(screen.getByText(/these come from the per-frame labels/)).toBeTruthy();
    const labels = within(screen.getByTestId('timeline')).getAllByRole('button').map((b) => b.dataset.label);
    expect(labels).toEqual(['running']); // the example's per-frame labels: 3 uncertain, then running
  });
});

describe('Notices', () => {
  it('shows nothing for a clean result', () => {
    const { container } = render(<Notices analysis={example} />);
    expect(container.innerHTML).toBe('');
  });

  it('lists what the service says, and a turned source', () => {
    const analysis: VideoAnalysis = {
      ...example,
      source: { ...example.source, rotation: 90 },
      notices: [{ code: 'frames_lost', message: '4 frame(s) could not be decoded' }],
    };
    render(<Notices analysis={analysis} />);
    const list = screen.getByTestId('notices');
    expect(within(list).getByText(/Frames lost/)).toBeTruthy();
    expect(list.textContent).toContain('4 frame(s) could not be decoded');
    expect(list.textContent).toContain('stored turned 90°');
  });

  it('sums the unlabelled time per reason', () => {
    const analysis: VideoAnalysis = {
      ...example,
      unlabelled: [
        { track_id: 0, start_ms: 0, end_ms: 1200, reason: 'window_filling' },
        { track_id: 0, start_ms: 4000, end_ms: 6500, reason: 'classifier_unavailable' },
        { track_id: 1, start_ms: 0, end_ms: 800, reason: 'window_filling' },
      ],
    };
    render(<Notices analysis={analysis} />);
    const text = screen.getByTestId('notices').textContent;
    expect(text).toContain('2.0 s window filling (2)');
    expect(text).toContain('2.5 s classifier did not answer (1)');
  });
});

describe('Timeline', () => {
  it('places bars by time', () => {
    render(<Timeline tracks={[1, 2]} durationMs={1000} segments={[{ schema_version: '1.0', track_id: 2, label: 'running', start_ms: 250, end_ms: 750, mean_confidence: 1 }]} />);
    const bar = screen.getByRole('button', { name: /person 2 running/ });
    expect(bar.style.left).toBe('25%');
    expect(screen.getByText('person 1')).toBeTruthy();
  });
});

describe('JobList', () => {
  it('lists jobs of both services, says which one is down, opens and deletes', async () => {
    const del = vi.fn(() => new Response(null, { status: 204 }));
    routeFetch({
      'GET /api/pose-single/v1/jobs': () => ({ jobs: [fakeJob({ id: 's1', status: 'done', progress: 100, filename: 'ta_chi.mp4', created_at: 1700000000 })], queue_depth: 0 }),
      'GET /api/pose-multi/v1/jobs': () => problem(502, 'The pose-multi service at http://127.0.0.1:8003 is not reachable (ECONNREFUSED).'),
      'DELETE /api/pose-single/v1/jobs/{job_id}': del,
    });
    vi.spyOn(window, 'confirm').mockReturnValue(true);
    const open = vi.fn();
    render(<JobList onOpen={open} />);
    await screen.findByText('ta_chi.mp4');
    expect(screen.getByRole('alert').textContent).toMatch(/pose-multi service at .* is not reachable/);
    fireEvent.click(screen.getByRole('button', { name: 'Open' }));
    expect(open).toHaveBeenCalledWith(expect.objectContaining({ id: 's1', service: 'pose-single' }));
    fireEvent.click(screen.getByRole('button', { name: 'Delete ta_chi.mp4' }));
    await waitFor(() => expect(screen.queryByText('ta_chi.mp4')).toBeNull());
    expect(del).toHaveBeenCalled();
  });
});

describe('JobList queue', () => {
  it('says where a queued job stands, and cancels a running one', async () => {
    const source = { width: 640, height: 480, fps: 30, frame_count: 300, duration_ms: 10000, filename: null, rotation: 0 as const, mirrored: false };
    let running = fakeJob({ id: 'r1', status: 'running', progress: 20, frames_done: 60, filename: 'a.mp4', created_at: 1700000001, source });
    const cancel = vi.fn(() => (running = { ...running, status: 'cancelled', error: 'cancelled' }));
    routeFetch({
      'GET /api/pose-single/v1/jobs': () => ({
        jobs: [fakeJob({ id: 'q1', status: 'queued', filename: 'b.mp4', created_at: 1700000002, source }), running],
        queue_depth: 1,
      }),
      'GET /api/pose-multi/v1/jobs': () => ({ jobs: [], queue_depth: 0 }),
      'POST /api/pose-single/v1/jobs/{job_id}/cancel': cancel,
    });
    const open = vi.fn();
    render(<JobList onOpen={open} />);
    await screen.findByText('b.mp4');
    const texts = screen.getAllByTestId('queue-text').map((e) => e.textContent);
    expect(texts).toEqual(['1st in line', 'measuring the speed…']);
    // a job that has not ended can be watched
    fireEvent.click(within(screen.getByText('b.mp4').closest('tr')!).getByRole('button', { name: 'Watch' }));
    expect(open).toHaveBeenCalledWith(expect.objectContaining({ id: 'q1' }));
    fireEvent.click(screen.getByRole('button', { name: 'Cancel a.mp4' }));
    await waitFor(() => expect(within(screen.getByText('a.mp4').closest('tr')!).getByText('cancelled')).toBeTruthy());
    expect(cancel).toHaveBeenCalledTimes(1);
    expect(screen.queryByRole('button', { name: 'Cancel a.mp4' })).toBeNull();
  });
});

describe('ModelCard', () => {
  it('reads the classifier service model description', () => {
    render(
      <ModelCard
        isDefault
        model={fakeModel({
          name: 'stgcn', architecture: 'st-gcn', classes: ['boxing', 'walking'], parameters: 12345,
          window: fakeWindow({ length: 48, fps: 15, stride: 8 }),
          metrics: {
            protocol: 'cross-subject', accuracy: 0.912, macro_f1: 0.9, utd_mhad_accuracy: 0.95, test_windows: 812,
            confusion_matrix: [[50, 2], [1, 40]],
            per_class: { boxing: { precision: 0.98, recall: 0.96, f1: 0.97, support: 52 }, walking: { precision: 0.95, recall: 0.97, f1: 0.96, support: 41 } },
            calibration: { temperature: 0.7395, ece: 0.0638 },
          },
          report_url: '/v1/models/stgcn/report',
          report_files: { 'confusion.png': '/v1/models/stgcn/report/confusion.png', 'model_card.md': '/v1/models/stgcn/report/model_card.md' },
        })}
      />,
    );
    expect(screen.getByText('default')).toBeTruthy();
    expect(screen.getByText('length 48, fps 15, stride 8, seconds 3.2')).toBeTruthy();
    expect(screen.getByText('12,345')).toBeTruthy();
    expect(screen.getByText('91.2%')).toBeTruthy();
    expect(screen.getByText('812')).toBeTruthy();
    expect(screen.getByText('cross-subject')).toBeTruthy();
    expect(screen.getByText('temperature 0.7395, ece 0.0638')).toBeTruthy();
    expect(within(screen.getByTestId('confusion-matrix')).getByTitle('boxing as walking: 2')).toBeTruthy();
    expect(screen.getAllByRole('cell', { name: '96.0%' })).toHaveLength(2); // boxing recall, walking F1
    const plot = screen.getByRole('img', { name: /^Confusion matrix of stgcn on the test side: how often each true class \(rows\)/ });
    expect(plot.getAttribute('src')).toBe('/api/classifier/v1/models/stgcn/report/confusion.png');
    expect(plot.closest('a')?.getAttribute('href')).toBe('/api/classifier/v1/models/stgcn/report/confusion.png'); // full size
    expect(screen.getByRole('link', { name: 'model_card.md' }).getAttribute('href')).toBe('/api/classifier/v1/models/stgcn/report/model_card.md');
  });

  it('says when a model has no evaluation', () => {
    render(<ModelCard model={fakeModel({ name: 'plain', classes: ['walking', 'running'] })} />);
    expect(screen.queryByText('default')).toBeNull();
    expect(screen.getByText('Classes (2)')).toBeTruthy();
    expect(screen.getByText(/reports no evaluation figures/)).toBeTruthy();
    expect(screen.queryByTestId('confusion-matrix')).toBeNull();
  });
});
