/**
 * Client side of WS /v1/stream and /v1/stream/url: one frame in flight (the next is sent only when
 * the answer to the last arrives, or after a timeout), frames per second, latency, dropped count,
 * and the current action of each person.
 */
import { closeReason, encodeFrame, parseStreamMessage } from './api';
import type { ActionLabel, ActionSegment, FrameResult } from './types';

export interface LiveStats {
  sent: number;
  received: number;
  /** Answers per second over the last two seconds. */
  fps: number;
  /** Round trip from send to answer, ms (the last one, and a running mean). */
  rttMs: number | null;
  meanRttMs: number | null;
  /** The server's own processing time for the last frame. */
  serverMs: number | null;
  dropped: number;
  classifier: 'ok' | 'unavailable' | 'off' | null;
  errors: number;
}

export interface LiveHandlers {
  onOpen?: () => void;
  onFrame?: (frame: FrameResult, newSegments: ActionSegment[], stats: LiveStats, seq: number) => void;
  onServerError?: (message: string, seq: number | null) => void;
  onClose?: (reason: string, code: number) => void;
}

export const emptyStats = (): LiveStats => ({ sent: 0, received: 0, fps: 0, rttMs: null, meanRttMs: null, serverMs: null, dropped: 0, classifier: null, errors: 0 });

export class LiveClient {
  ws: WebSocket | null = null;
  stats: LiveStats = emptyStats();
  private seq = 0;
  private inFlight: { seq: number; at: number } | null = null;
  private arrivals: number[] = [];
  private closedByUs = false;

  constructor(
    private url: string,
    private handlers: LiveHandlers,
    private opts: { timeoutMs?: number; now?: () => number; WebSocketImpl?: typeof WebSocket } = {},
  ) {}

  private now() {
    return this.opts.now ? this.opts.now() : performance.now();
  }

  connect() {
    const WS = this.opts.WebSocketImpl ?? WebSocket;
    const ws = new WS(this.url);
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    ws.onopen = () => this.handlers.onOpen?.();
    ws.onmessage = (ev) => this.onMessage(ev.data);
    ws.onclose = (ev) => {
      this.inFlight = null;
      if (!this.closedByUs) this.handlers.onClose?.(closeReason(ev.code, ev.reason), ev.code);
      else this.handlers.onClose?.('', ev.code);
    };
  }

  get open() {
    return this.ws?.readyState === 1;
  }

  /** True when the socket is open and no frame is waiting for its answer (or the wait timed out). */
  canSend(): boolean {
    if (!this.open) return false;
    if (!this.inFlight) return true;
    return this.now() - this.inFlight.at > (this.opts.timeoutMs ?? 3000);
  }

  /** Send one frame; ``captureMs``: when it was captured (``performance.now()`` at the grab), so the
   * server's windows follow the camera's time, not the network's. */
  send(image: ArrayBuffer | Uint8Array, captureMs?: number): number {
    const seq = ++this.seq;
    this.ws!.send(encodeFrame(seq, image, captureMs));
    this.inFlight = { seq, at: this.now() };
    this.stats.sent++;
    return seq;
  }

  sendConfig(config: Record<string, unknown>) {
    if (this.open) this.ws!.send(JSON.stringify({ type: 'config', ...config }));
  }

  onMessage(data: unknown) {
    const m = parseStreamMessage(data);
    if (!m) return;
    const t = this.now();
    if (m.type === 'error') {
      this.stats.errors++;
      if (this.inFlight && (m.seq == null || m.seq >= this.inFlight.seq)) this.inFlight = null;
      this.handlers.onServerError?.(m.message, m.seq);
      return;
    }
    const s = this.stats;
    if (this.inFlight && m.seq >= this.inFlight.seq) {
      s.rttMs = t - this.inFlight.at;
      s.meanRttMs = s.meanRttMs == null ? s.rttMs : s.meanRttMs * 0.9 + s.rttMs * 0.1;
      this.inFlight = null;
    }
    s.received++;
    this.arrivals.push(t);
    while (this.arrivals.length && t - this.arrivals[0] > 2000) this.arrivals.shift();
    const span = this.arrivals.length > 1 ? (t - this.arrivals[0]) / 1000 : 0;
    s.fps = span > 0 ? (this.arrivals.length - 1) / span : 0;
    s.serverMs = typeof m.latency_ms === 'number' ? m.latency_ms : null;
    s.dropped = m.dropped ?? s.dropped;
    s.classifier = m.classifier ?? null;
    this.handlers.onFrame?.(m.frame, m.segments ?? [], { ...s }, m.seq);
  }

  close() {
    this.closedByUs = true;
    if (this.ws && this.ws.readyState <= 1) this.ws.close(1000);
  }
}

/** The current action of each person, kept across frames where a person is briefly missing. */
export function currentActions(frame: FrameResult | null): { trackId: number | null; action: ActionLabel | null }[] {
  return (frame?.persons ?? []).map((p) => ({ trackId: p.track_id ?? null, action: p.action ?? null }));
}

/** Seconds to wait before reconnect attempt n (1, 2, 4, ... up to 15 s). */
export function backoffMs(attempt: number): number {
  return Math.min(15_000, 1000 * 2 ** Math.max(0, attempt - 1));
}

/** Whether a close is worth reconnecting after: not a refusal (1008) and not one we asked for. */
export function shouldReconnect(code: number): boolean {
  return code !== 1000 && code !== 1008;
}

/**
 * Frames sent, kept by sequence number until their answer comes, so a skeleton is drawn over the
 * picture it was computed from; older ones are given back when a newer answer arrives.
 */
export class SentFrames<T> {
  private byseq = new Map<number, T>();
  constructor(private max = 8, private release: (item: T) => void = () => undefined) {}
  put(seq: number, item: T) {
    this.byseq.set(seq, item);
    for (const k of [...this.byseq.keys()]) {
      if (this.byseq.size <= this.max) break;
      this.drop(k);
    }
  }
  /** The frame with this seq (and every older one is let go). */
  take(seq: number): T | undefined {
    const item = this.byseq.get(seq);
    for (const k of [...this.byseq.keys()]) if (k < seq) this.drop(k);
    this.byseq.delete(seq);
    return item;
  }
  clear() {
    for (const k of [...this.byseq.keys()]) this.drop(k);
  }
  get size() {
    return this.byseq.size;
  }
  private drop(k: number) {
    const item = this.byseq.get(k);
    this.byseq.delete(k);
    if (item !== undefined) this.release(item);
  }
}

/** Words for a getUserMedia failure. */
export function cameraErrorText(e: unknown): string {
  const name = (e as { name?: string })?.name ?? '';
  if (name === 'NotAllowedError' || name === 'PermissionDeniedError' || name === 'SecurityError')
    return 'Camera permission denied. Allow the camera for this site in the browser (the icon in the address bar) and try again.';
  if (name === 'NotFoundError' || name === 'DevicesNotFoundError' || name === 'OverconstrainedError') return 'No camera was found.';
  if (name === 'NotReadableError' || name === 'TrackStartError') return 'The camera is in use by another program, or the system blocked it.';
  if (name === 'NoMediaDevices') return 'This browser gives camera access only to pages on https or localhost.';
  return `The camera could not be started: ${(e as Error)?.message ?? String(e)}`;
}
