/** What to say about a person's action: a label, warming up, uncertain (and why), or nothing yet. */
import type { FrameResult, PersonPose, UnlabelledSpan } from './types';

export type UnlabelledReason = UnlabelledSpan['reason'];

export type ActionState =
  | { kind: 'label'; label: string; confidence: number }
  /** The person's window is not full yet (or the tracker has only just seen them). */
  | { kind: 'warming' }
  | { kind: 'uncertain'; reason: UnlabelledReason | null }
  /** No classifier behind this service: no labels at all. */
  | { kind: 'none' };

export const REASON_TEXT: Record<UnlabelledReason, string> = {
  window_filling: 'window filling',
  classifier_unavailable: 'classifier did not answer',
  few_visible_joints: 'too little of the person seen',
  low_confidence: 'no action likely enough',
};

/** The unlabelled span covering a person at a time, if any. */
export function reasonAt(spans: UnlabelledSpan[] | undefined, trackId: number | null | undefined, tMs: number): UnlabelledReason | null {
  for (const s of spans ?? []) if ((s.track_id ?? null) === (trackId ?? null) && s.start_ms <= tMs + 0.5 && tMs <= s.end_ms + 0.5) return s.reason;
  return null;
}

/**
 * A person's state. ``reason``: why the frame is unlabelled when the result says so (video results
 * carry `unlabelled` spans); ``labelledBefore``: whether this track has had a real label already
 * (live: an uncertain person never labelled yet is still warming up).
 */
export function actionState(p: PersonPose, opts: { reason?: UnlabelledReason | null; labelledBefore?: boolean; classifierOff?: boolean } = {}): ActionState {
  const a = p.action;
  if (!a) return opts.classifierOff ? { kind: 'none' } : { kind: 'warming' };
  if (a.label !== 'uncertain' && a.label !== 'unknown') return { kind: 'label', label: a.label, confidence: a.confidence };
  const reason = opts.reason ?? null;
  if (reason === 'window_filling') return { kind: 'warming' };
  if (!reason && opts.labelledBefore === false) return { kind: 'warming' };
  return { kind: 'uncertain', reason };
}

/** The time ranges in which each track is in the picture (frames closer than maxGapMs are joined). */
export function presenceRuns(frames: FrameResult[], maxGapMs = 500): Map<number | null, [number, number][]> {
  const runs = new Map<number | null, [number, number][]>();
  for (const f of frames) {
    const t = f.timestamp_ms;
    for (const p of f.persons ?? []) {
      const id = p.track_id ?? null;
      const list = runs.get(id) ?? [];
      const last = list[list.length - 1];
      if (last && t - last[1] <= maxGapMs) last[1] = t;
      else list.push([t, t]);
      runs.set(id, list);
    }
  }
  return runs;
}

function luminance(hex: string): number {
  const n = parseInt(hex.replace('#', ''), 16);
  const c = [(n >> 16) & 255, (n >> 8) & 255, n & 255].map((v) => {
    const s = v / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
}

/** Dark or white text, whichever reads better on a background colour (#rrggbb). */
export function textOn(bg: string): string {
  const l = luminance(bg);
  const dark = luminance('#111827');
  return (l + 0.05) / (dark + 0.05) >= 1.05 / (l + 0.05) ? '#111827' : '#ffffff';
}

/** A colour mixed with white: alpha of colour over white, as #rrggbb. */
export function overWhite(rgb: [number, number, number], alpha: number): string {
  const m = rgb.map((v) => Math.round(255 + (v - 255) * alpha));
  return '#' + m.map((v) => v.toString(16).padStart(2, '0')).join('');
}
