/** COCO-17 skeleton drawing, colours, and mapping a video time to a result frame. */
import type { ActionSegment, FrameResult, PersonPose } from './types';

export const JOINTS = [
  'nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear', 'left_shoulder', 'right_shoulder',
  'left_elbow', 'right_elbow', 'left_wrist', 'right_wrist', 'left_hip', 'right_hip',
  'left_knee', 'right_knee', 'left_ankle', 'right_ankle',
] as const;

/** The COCO-17 bones (pairs of joint indices), as drawn by the usual COCO tools. */
export const BONES: [number, number][] = [
  [15, 13], [13, 11], [16, 14], [14, 12], [11, 12], // legs and hips
  [5, 11], [6, 12], [5, 6], // torso
  [5, 7], [6, 8], [7, 9], [8, 10], // arms
  [1, 2], [0, 1], [0, 2], [1, 3], [2, 4], [3, 5], [4, 6], // head
];

const PALETTE = ['#22d3ee', '#f97316', '#a3e635', '#e879f9', '#facc15', '#60a5fa', '#f87171', '#34d399', '#c084fc', '#fb7185'];

export function trackColor(trackId: number | null | undefined): string {
  return PALETTE[(trackId ?? 0) % PALETTE.length];
}

const LABEL_COLORS = ['#2563eb', '#16a34a', '#dc2626', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777', '#4f46e5', '#059669', '#7c3aed', '#b45309'];

/** A stable colour per action label (uncertain is grey). */
export function labelColor(label: string): string {
  if (label === 'uncertain' || label === 'unknown') return '#9ca3af';
  let h = 0;
  for (let i = 0; i < label.length; i++) h = (h * 31 + label.charCodeAt(i)) >>> 0;
  return LABEL_COLORS[h % LABEL_COLORS.length];
}

export const MIN_SCORE = 0.3;

/** Index of the frame showing at time tMs: the last frame whose timestamp is <= tMs (binary search). */
export function frameIndexAt(frames: FrameResult[], tMs: number): number {
  if (frames.length === 0) return -1;
  let lo = 0;
  let hi = frames.length - 1;
  if (tMs <= frames[0].timestamp_ms) return 0;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (frames[mid].timestamp_ms <= tMs + 0.5) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

export function personTitle(p: PersonPose): string {
  const who = p.track_id == null ? 'person' : `#${p.track_id}`;
  if (!p.action) return who;
  if (p.action.label === 'uncertain' || p.action.label === 'unknown') return `${who} uncertain`;
  return `${who} ${p.action.label} ${Math.round(p.action.confidence * 100)}%`;
}

export interface DrawOptions {
  /** Scale from result pixels to canvas pixels. */
  sx?: number;
  sy?: number;
  labels?: boolean;
  minScore?: number;
}

/** Draws every person of a frame: bones, joints, and a label above the head. Returns joints drawn. */
export function drawPersons(ctx: CanvasRenderingContext2D, persons: PersonPose[], opts: DrawOptions = {}): number {
  const sx = opts.sx ?? 1;
  const sy = opts.sy ?? 1;
  const minScore = opts.minScore ?? MIN_SCORE;
  const lw = Math.max(2, Math.round(Math.min(ctx.canvas.width, ctx.canvas.height) / 160));
  let drawn = 0;
  for (const p of persons) {
    const color = trackColor(p.track_id);
    const kp = p.keypoints;
    const ok = (i: number) => kp[i] && kp[i][2] >= minScore;
    ctx.strokeStyle = color;
    ctx.lineWidth = lw;
    ctx.lineCap = 'round';
    ctx.beginPath();
    for (const [a, b] of BONES) {
      if (!ok(a) || !ok(b)) continue;
      ctx.moveTo(kp[a][0] * sx, kp[a][1] * sy);
      ctx.lineTo(kp[b][0] * sx, kp[b][1] * sy);
    }
    ctx.stroke();
    ctx.fillStyle = '#ffffff';
    let minX = Infinity;
    let minY = Infinity;
    let maxX = -Infinity;
    for (let i = 0; i < kp.length; i++) {
      if (!ok(i)) continue;
      const x = kp[i][0] * sx;
      const y = kp[i][1] * sy;
      ctx.beginPath();
      ctx.arc(x, y, lw * 1.2, 0, Math.PI * 2);
      ctx.fill();
      drawn++;
      minX = Math.min(minX, x);
      minY = Math.min(minY, y);
      maxX = Math.max(maxX, x);
    }
    if (p.bbox) {
      minX = Math.min(minX, p.bbox[0] * sx);
      minY = Math.min(minY, p.bbox[1] * sy);
    }
    if (opts.labels !== false && Number.isFinite(minX)) {
      const text = personTitle(p);
      const fs = Math.max(12, Math.round(lw * 5));
      ctx.font = `600 ${fs}px system-ui, sans-serif`;
      const w = ctx.measureText(text).width + 8;
      const x = Math.max(0, Math.min(ctx.canvas.width - w, (minX + maxX) / 2 - w / 2));
      const y = Math.max(0, minY - fs - 10);
      ctx.fillStyle = color;
      ctx.fillRect(x, y, w, fs + 6);
      ctx.fillStyle = '#111827';
      ctx.fillText(text, x + 4, y + fs);
    }
  }
  return drawn;
}

/** Fits a canvas's backing store to its displayed size (times devicePixelRatio); returns the scale to result pixels. */
export function fitCanvas(canvas: HTMLCanvasElement, srcW: number, srcH: number): { sx: number; sy: number } {
  const rect = canvas.getBoundingClientRect();
  const dpr = typeof window !== 'undefined' ? Math.min(window.devicePixelRatio || 1, 2) : 1;
  const w = Math.max(1, Math.round((rect.width || srcW) * dpr));
  const h = Math.max(1, Math.round((rect.height || srcH) * dpr));
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== h) canvas.height = h;
  return { sx: w / srcW, sy: h / srcH };
}

/**
 * Segments from per-frame labels, for results whose service sent none (e.g. an older result).
 * Like the services' own segments, `uncertain` stretches are left out; a track missing from a few
 * frames (up to maxGapMs) keeps its segment going.
 */
export function segmentsFromFrames(frames: FrameResult[], maxGapMs = 500): ActionSegment[] {
  type Open = Omit<ActionSegment, 'schema_version'> & { n: number; sum: number; last: number };
  const open = new Map<string, Open>();
  const out: ActionSegment[] = [];
  const close = (key: string) => {
    const s = open.get(key);
    if (!s) return;
    open.delete(key);
    if (s.label === 'uncertain') return;
    out.push({ schema_version: '1.0', track_id: s.track_id, label: s.label, start_ms: s.start_ms, end_ms: s.end_ms, duration_ms: s.end_ms - s.start_ms, mean_confidence: s.sum / s.n });
  };
  for (const f of frames) {
    const t = f.timestamp_ms;
    for (const [key, s] of open) if (t - s.last > maxGapMs) close(key);
    for (const p of f.persons ?? []) {
      if (!p.action || p.track_id == null) continue;
      const key = String(p.track_id);
      const cur = open.get(key);
      if (cur && cur.label === p.action.label) {
        cur.n++;
        cur.sum += p.action.confidence;
        cur.end_ms = t;
        cur.last = t;
      } else {
        if (cur) {
          cur.end_ms = t;
          close(key);
        }
        open.set(key, { track_id: p.track_id, label: p.action.label, start_ms: t, end_ms: t, mean_confidence: 0, n: 1, sum: p.action.confidence, last: t });
      }
    }
  }
  for (const key of [...open.keys()]) close(key);
  return out.sort((a, b) => (a.track_id ?? -1) - (b.track_id ?? -1) || a.start_ms - b.start_ms);
}

export function formatMs(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  const m = Math.floor(s / 60);
  const rest = s - m * 60;
  return `${m}:${rest.toFixed(1).padStart(4, '0')}`;
}

/** The tracked people in frames or segments, in order; untracked detections only when nobody is tracked. */
export function trackIds(frames: FrameResult[], segments: ActionSegment[]): (number | null)[] {
  const ids = new Set<number | null>();
  let untracked = false;
  for (const s of segments) ids.add(s.track_id ?? null);
  for (const f of frames)
    for (const p of f.persons ?? []) {
      if (p.track_id == null) untracked = true;
      else ids.add(p.track_id);
    }
  if (ids.size === 0 && untracked) ids.add(null);
  return [...ids].sort((a, b) => (a ?? -1) - (b ?? -1));
}
