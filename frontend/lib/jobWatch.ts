/**
 * Follows a video job until it ends: the service's WebSocket (/v1/jobs/{id}/events) when it has one,
 * and polling GET /v1/jobs/{id} all the same (slower while the socket is live), so progress shows
 * whichever the service offers.
 */
import { getJob, isFinished, jobEventsUrl, withService, type Job, type JobEvent } from './api';
import type { PoseService } from './types';

export interface WatchOptions {
  pollMs?: number;
  onError?: (e: unknown) => void;
  WebSocketImpl?: typeof WebSocket | null;
}

export function watchJob(service: PoseService, id: string, onUpdate: (job: Job) => void, opts: WatchOptions = {}): () => void {
  const pollMs = opts.pollMs ?? 1000;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let ws: WebSocket | null = null;
  let wsLive = false;
  let last: Job | null = null;
  let failures = 0;

  const rank = (j: Job) => (j.status === 'queued' ? 0 : j.status === 'running' ? 1 : 2);
  const emit = (job: Job) => {
    if (stopped) return;
    // A slow poll answer must not move the job backwards after a pushed update.
    if (last && (rank(job) < rank(last) || (rank(job) === rank(last) && job.progress < last.progress))) return;
    last = job;
    onUpdate(job);
    if (isFinished(job)) stop();
  };

  const poll = async () => {
    if (stopped) return;
    try {
      emit(await getJob(service, id));
      failures = 0;
    } catch (e) {
      failures++;
      opts.onError?.(e);
    }
    if (!stopped) timer = setTimeout(poll, (wsLive ? 3 : 1) * pollMs * Math.min(5, 1 + failures));
  };

  const WS = opts.WebSocketImpl === undefined ? (typeof WebSocket !== 'undefined' ? WebSocket : null) : opts.WebSocketImpl;
  if (WS) {
    try {
      ws = new WS(jobEventsUrl(service, id));
      ws.onopen = () => (wsLive = true);
      ws.onmessage = (ev) => {
        let m: JobEvent;
        try {
          m = JSON.parse(String(ev.data)) as JobEvent;
        } catch {
          return; // not JSON
        }
        // {"type": "progress", "job": {...}} on every change; an "error" message (no such job) is
        // followed by the socket closing, and the polling reports the job's fate.
        if (m.type === 'progress' && m.job) emit(withService(service, m.job));
      };
      ws.onclose = () => (wsLive = false);
      ws.onerror = () => (wsLive = false);
    } catch {
      ws = null;
    }
  }
  void poll();

  function stop() {
    stopped = true;
    if (timer) clearTimeout(timer);
    if (ws && ws.readyState <= 1) ws.close();
  }
  return stop;
}
