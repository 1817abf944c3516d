import { beforeEach, describe, expect, it } from 'vitest';
import { backoffMs, cameraErrorText, LiveClient, SentFrames, shouldReconnect } from '@/lib/liveClient';
import type { StreamMessage } from '@/lib/types';
import { FakeWebSocket } from './fakes';

type FrameMessage = Extract<StreamMessage, { type: 'frame' }>;
const frameMsg = (seq: number, extra: Partial<FrameMessage> = {}): FrameMessage => ({
  type: 'frame', seq, dropped: 0, classifier: 'ok', latency_ms: 12.5, segments: [],
  frame: { schema_version: '1.0', frame_index: seq, timestamp_ms: seq * 33, width: 640, height: 480, persons: [], persons_left_out: 0 }, ...extra,
});

describe('LiveClient', () => {
  let now = 0;
  beforeEach(() => {
    FakeWebSocket.reset();
    now = 1000;
  });
  const make = (handlers = {}) => {
    const c = new LiveClient('ws://x/api/pose-single/v1/stream', handlers, { WebSocketImpl: FakeWebSocket as unknown as typeof WebSocket, now: () => now, timeoutMs: 3000 });
    c.connect();
    return { c, ws: FakeWebSocket.instances.at(-1)! };
  };

  it('keeps one frame in flight', () => {
    const { c, ws } = make();
    expect(c.canSend()).toBe(false); // not open yet
    ws.open();
    expect(c.canSend()).toBe(true);
    const seq = c.send(new Uint8Array([0xff, 0xd8]));
    expect(seq).toBe(1);
    expect([...(ws.sent[0] as Uint8Array)]).toEqual([0, 0, 0, 1, 0xff, 0xd8]);
    expect(c.canSend()).toBe(false);
    now += 40;
    ws.receive(frameMsg(1));
    expect(c.canSend()).toBe(true);
    expect(c.stats.rttMs).toBe(40);
    expect(c.stats.serverMs).toBe(12.5);
  });

  it('sends again after a timeout when an answer never comes', () => {
    const { c, ws } = make();
    ws.open();
    c.send(new Uint8Array([1]));
    now += 2999;
    expect(c.canSend()).toBe(false);
    now += 2;
    expect(c.canSend()).toBe(true);
  });

  it('counts answers per second, dropped frames and segments', () => {
    const got: unknown[] = [];
    const { c, ws } = make({ onFrame: (_f: unknown, segs: unknown[]) => got.push(...segs) });
    ws.open();
    for (let i = 1; i <= 11; i++) {
      c.send(new Uint8Array([i]));
      now += 100;
      ws.receive(frameMsg(i, { dropped: i - 1, segments: i === 5 ? [{ schema_version: '1.0', track_id: 0, label: 'walking', start_ms: 0, end_ms: 100, mean_confidence: 0.8 }] : [] }));
    }
    expect(c.stats.fps).toBeCloseTo(10, 5);
    expect(c.stats.dropped).toBe(10);
    expect(c.stats.received).toBe(11);
    expect(got).toHaveLength(1);
  });

  it('a server error frees the slot and is reported; the socket stays', () => {
    const errors: string[] = [];
    const { c, ws } = make({ onServerError: (m: string) => errors.push(m) });
    ws.open();
    c.send(new Uint8Array([1]));
    ws.receive({ type: 'error', seq: 1, message: 'not a JPEG or PNG' });
    expect(errors).toEqual(['not a JPEG or PNG']);
    expect(c.canSend()).toBe(true);
  });

  it('explains a close', () => {
    const closes: string[] = [];
    const { ws } = make({ onClose: (r: string) => closes.push(r) });
    ws.open();
    ws.drop(1009);
    expect(closes[0]).toMatch(/larger than the server accepts/);
  });
});

describe('live drawing and reconnecting', () => {
  it('hands the answer its seq, so the skeleton goes over the frame it was computed from', () => {
    const seqs: number[] = [];
    const c = new LiveClient('ws://x', { onFrame: (_f, _s, _st, seq) => seqs.push(seq) }, { WebSocketImpl: FakeWebSocket as unknown as typeof WebSocket });
    c.connect();
    const ws = FakeWebSocket.instances.at(-1)!;
    ws.open();
    c.send(new Uint8Array([1]));
    ws.receive(frameMsg(1));
    expect(seqs).toEqual([1]);
  });
  it('keeps sent frames by seq and lets older ones go when a newer answer comes', () => {
    const released: string[] = [];
    const sent = new SentFrames<string>(3, (x) => released.push(x));
    sent.put(1, 'a');
    sent.put(2, 'b');
    sent.put(3, 'c');
    expect(sent.take(2)).toBe('b');
    expect(released).toEqual(['a']);
    sent.put(4, 'd');
    sent.put(5, 'e');
    sent.put(6, 'f');
    expect(released).toEqual(['a', 'c']); // at most 3 kept
    expect(sent.take(9)).toBeUndefined();
    expect(sent.size).toBe(0);
  });
  it('backs off 1, 2, 4 ... 15 s and does not retry a refusal', () => {
    expect([1, 2, 3, 4, 5, 6].map(backoffMs)).toEqual([1000, 2000, 4000, 8000, 15000, 15000]);
    expect(shouldReconnect(1013)).toBe(true);
    expect(shouldReconnect(1006)).toBe(true);
    expect(shouldReconnect(1008)).toBe(false);
    expect(shouldReconnect(1000)).toBe(false);
  });
});

describe('camera errors', () => {
  it('says permission denied plainly', () => {
    expect(cameraErrorText({ name: 'NotAllowedError', message: 'Permission denied' })).toMatch(/^Camera permission denied/);
    expect(cameraErrorText({ name: 'NotFoundError' })).toBe('No camera was found.');
    expect(cameraErrorText(new Error('boom'))).toMatch(/boom/);
  });
});
