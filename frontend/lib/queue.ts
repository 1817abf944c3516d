/**
 * Where a job stands in its service's queue and about how long until it is done, from what the
 * pose services already send: each job's `status`, `progress` (percent), `frames_done` and
 * `source.frame_count`, and the listing's `queue_depth`. The speed (video frames per second) is
 * measured in the browser from the progress of running jobs between two looks.
 */
import type { Job } from './api';
import type { PoseService } from './types';

export interface QueueFacts {
  /** 1 for the next job to run; null for a job that is not queued. */
  position: number | null;
  /** Jobs waiting in the service's queue (the listing's queue_depth, else those listed). */
  waiting: number;
  /** Seconds until the job is done (null: no speed measured yet, or the job has ended). */
  etaS: number | null;
}

/** The video frames a job has to go through (its upload's frame count; 0 when unknown). */
export const totalFrames = (j: Job) => j.source?.frame_count ?? 0;

/** Frames a job has gone through: `frames_done`, or its share of the total by `progress`. */
export function framesDone(j: Job): number {
  const total = totalFrames(j);
  const byProgress = (total * (j.progress ?? 0)) / 100;
  return Math.min(total, Math.max(j.frames_done ?? 0, byProgress));
}

/**
 * Measures each service's speed in frames per second from successive looks at its running jobs
 * (an exponential moving average, so one slow look does not swing it).
 */
export class SpeedMeter {
  private last = new Map<string, { frames: number; t: number }>();
  private speed = new Map<PoseService, number>();

  constructor(private readonly alpha = 0.5) {}

  /** Feed the jobs as listed at time `tMs` (milliseconds, any clock that grows). */
  observe(jobs: Job[], tMs: number): void {
    for (const j of jobs) {
      const key = `${j.service}:${j.id}`;
      if (j.status !== 'running') {
        this.last.delete(key);
        continue;
      }
      const frames = framesDone(j);
      const prev = this.last.get(key);
      this.last.set(key, { frames, t: tMs });
      if (!prev || tMs - prev.t < 200 || frames <= prev.frames) continue;
      const fps = ((frames - prev.frames) * 1000) / (tMs - prev.t);
      const old = this.speed.get(j.service);
      this.speed.set(j.service, old == null ? fps : this.alpha * fps + (1 - this.alpha) * old);
    }
  }

  /** Frames per second of a service, or null before two looks at a running job. */
  fps(service: PoseService): number | null {
    return this.speed.get(service) ?? null;
  }
}

/**
 * Queue position and time left for each job, keyed `service:id`. A service runs its jobs oldest
 * first, one at a time (`job_workers` = 1, the default): a queued job waits for the running one and
 * every queued one before it.
 */
export function queueFacts(jobs: Job[], fps: (s: PoseService) => number | null, queueDepth: Partial<Record<PoseService, number>> = {}): Map<string, QueueFacts> {
  const out = new Map<string, QueueFacts>();
  const services = [...new Set(jobs.map((j) => j.service))];
  for (const service of services) {
    const mine = jobs.filter((j) => j.service === service);
    const running = mine.filter((j) => j.status === 'running');
    const queued = mine.filter((j) => j.status === 'queued').sort((a, b) => a.created_at - b.created_at);
    const waiting = Math.max(queueDepth[service] ?? 0, queued.length);
    const speed = fps(service);
    const left = (j: Job) => Math.max(0, totalFrames(j) - framesDone(j));
    let ahead = running.reduce((s, j) => s + left(j), 0);
    for (const j of running) out.set(`${service}:${j.id}`, { position: null, waiting, etaS: speed ? left(j) / speed : null });
    // queued jobs the listing does not show (past its page) are ahead of none of those it shows: the
    // oldest are listed last, so the ones shown are the newest; their place counts the hidden ones
    const hidden = Math.max(0, waiting - queued.length);
    queued.forEach((j, i) => {
      ahead += left(j);
      out.set(`${service}:${j.id}`, { position: hidden + i + 1, waiting, etaS: speed && !hidden ? ahead / speed : null });
    });
  }
  return out;
}

/** Seconds as a person says them: "about 40 s", "about 3 min". */
export function aboutTime(s: number): string {
  if (s < 5) return 'a few seconds';
  if (s < 90) return `about ${Math.round(s / 5) * 5} s`;
  return `about ${Math.round(s / 60)} min`;
}

/** "1st", "2nd", "3rd", "4th" ... */
export function ordinal(n: number): string {
  const t = n % 100;
  if (t >= 11 && t <= 13) return `${n}th`;
  return `${n}${['th', 'st', 'nd', 'rd'][n % 10] ?? 'th'}`;
}

/** What to say about a job that has not ended: "2nd in line of 3 · about 40 s", "about 10 s left". */
export function queueText(j: Job, f: QueueFacts | undefined): string {
  if (!f) return '';
  if (j.status === 'queued') {
    const place = f.position != null ? `${ordinal(f.position)} in line${f.waiting > 1 ? ` of ${f.waiting}` : ''}` : 'waiting';
    return f.etaS != null ? `${place} · done in ${aboutTime(f.etaS)}` : place;
  }
  if (j.status === 'running') return f.etaS != null ? `${aboutTime(f.etaS)} left` : 'measuring the speed…';
  return '';
}
