'use client';
import { formatMs, trackColor } from '@/lib/skeleton';
import type { ActionSegment, SceneWindow, UnlabelledSpan } from '@/lib/types';

export interface KineticsPanelProps {
  scene: SceneWindow[];
  model?: string | null;
  segments: ActionSegment[];
  unlabelled: UnlabelledSpan[];
}

/** Per row (the whole frame, each person): the class with the highest mean probability over its windows. */
export function summarise(scene: SceneWindow[]): { track: number | null; label: string; probability: number; windows: number }[] {
  const byRow = new Map<number | null, SceneWindow[]>();
  for (const w of scene) byRow.set(w.track_id ?? null, [...(byRow.get(w.track_id ?? null) ?? []), w]);
  return [...byRow.entries()]
    .sort(([a], [b]) => (a ?? -1) - (b ?? -1))
    .map(([track, ws]) => {
      const sums = new Map<string, number>();
      for (const w of ws) for (const c of w.labels) sums.set(c.label, (sums.get(c.label) ?? 0) + c.probability);
      const [label, sum] = [...sums.entries()].sort((x, y) => y[1] - x[1])[0];
      return { track, label, probability: sum / ws.length, windows: ws.length };
    });
}

const pct = (p: number) => `${Math.round(p * 100)}%`;

/**
 * The result panel's Kinetics-400 labels: what the clip model saw over the whole video (the scene,
 * and each person in several-people jobs), and the explanation of the times the skeleton classifier
 * called `other` or could not label ("other: tai chi 97%").
 */
export default function KineticsPanel({ scene, model, segments, unlabelled }: KineticsPanelProps) {
  if (scene.length === 0) return null;
  const explained = [
    ...segments.filter((s) => s.kinetics).map((s) => ({ track: s.track_id ?? null, what: s.label, start: s.start_ms, end: s.end_ms, k: s.kinetics! })),
    ...unlabelled.filter((u) => u.kinetics).map((u) => ({ track: u.track_id ?? null, what: 'uncertain', start: u.start_ms, end: u.end_ms, k: u.kinetics! })),
  ].sort((a, b) => a.start - b.start);
  return (
    <div className="panel" data-testid="kinetics-panel">
      <h2 className="sub">What the scene shows</h2>
      <p className="muted small">
        Kinetics-400 clip model{model ? ` (${model})` : ''}: 400 everyday activities, from the pixels; the most likely over
        the whole video.
      </p>
      <ul className="people">
        {summarise(scene).map((r) => (
          <li key={String(r.track)} data-testid="kinetics-summary">
            {r.track != null && <span className="tl-swatch" style={{ background: trackColor(r.track) }} />}
            <span>{r.track == null ? 'whole frame' : `person ${r.track}`}</span>{' '}
            <strong>{r.label}</strong> <span className="muted small">{pct(r.probability)} · {r.windows} window{r.windows === 1 ? '' : 's'}</span>
          </li>
        ))}
      </ul>
      {explained.length > 0 && (
        <>
          <h3 className="sub">Where the skeleton model had no name for it</h3>
          <ul className="small" data-testid="kinetics-explained">
            {explained.map((e, i) => (
              <li key={i}>
                {e.track == null ? 'person' : `person ${e.track}`}, {formatMs(e.start)} – {formatMs(e.end)}: {e.what}: {e.k.label} {pct(e.k.probability)}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
