'use client';
import { textOn } from '@/lib/actionState';
import { formatMs, labelColor, trackColor } from '@/lib/skeleton';
import type { SceneWindow } from '@/lib/types';
import { clickedMs } from './Timeline';

export interface SceneRowProps {
  /** The Kinetics-400 clip model's windows (the analysis' `scene`): whole frame and per person. */
  scene: SceneWindow[];
  durationMs: number;
  currentMs?: number;
  onSeek?: (ms: number) => void;
}

const who = (t: number | null) => (t == null ? 'scene' : `person ${t}`);
const top = (w: SceneWindow) => w.labels[0];
const pct100 = (p: number) => `${Math.round(p * 100)}%`;

/**
 * The timeline's "scene" rows: what the Kinetics-400 clip model saw in each window, the whole frame
 * first, then each person's crop (several-people jobs). A bar per window with its most probable
 * class; hover for the top 5; a click seeks to the time clicked.
 */
export default function SceneRow({ scene, durationMs, currentMs = 0, onSeek }: SceneRowProps) {
  if (scene.length === 0) return null;
  const total = Math.max(durationMs, ...scene.map((w) => w.end_ms), 1);
  const pct = (ms: number) => `${(100 * Math.max(0, Math.min(ms, total))) / total}%`;
  const rows = [...new Set(scene.map((w) => w.track_id ?? null))].sort((a, b) => (a ?? -1) - (b ?? -1));
  return (
    <div className="timeline" data-testid="scene-timeline">
      {rows.map((t) => (
        <div className="tl-row" key={String(t)}>
          <div className="tl-name" title="Kinetics-400 clip model">
            {t != null && <span className="tl-swatch" style={{ background: trackColor(t) }} />}
            {who(t)}
          </div>
          <div className="tl-track" data-scene={String(t)}>
            {scene
              .filter((w) => (w.track_id ?? null) === t)
              .map((w, i) => {
                const bg = labelColor(top(w).label);
                const list = w.labels.map((c) => `${c.label} ${pct100(c.probability)}`).join(', ');
                return (
                  <button
                    type="button"
                    key={i}
                    className="tl-seg"
                    data-label={top(w).label}
                    title={`${formatMs(w.start_ms)} – ${formatMs(w.end_ms)}: ${list}`}
                    aria-label={`${who(t)} ${top(w).label} ${pct100(top(w).probability)} from ${formatMs(w.start_ms)} to ${formatMs(w.end_ms)}`}
                    style={{ left: pct(w.start_ms), width: `calc(${pct(w.end_ms - w.start_ms)} + 1px)`, background: bg, color: textOn(bg) }}
                    onClick={(e) => onSeek?.(clickedMs(e, w.start_ms, w.end_ms, total))}
                  >
                    {top(w).label}
                  </button>
                );
              })}
            <div className="tl-playhead" style={{ left: pct(currentMs) }} />
          </div>
        </div>
      ))}
    </div>
  );
}
