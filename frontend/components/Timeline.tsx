'use client';
import { REASON_TEXT } from '@/lib/actionState';
import type { ActionSegment, UnlabelledSpan } from '@/lib/types';
import { formatMs, labelColor, trackColor } from '@/lib/skeleton';
import { textOn } from '@/lib/actionState';

export interface TimelineProps {
  segments: ActionSegment[];
  tracks: (number | null)[];
  durationMs: number;
  currentMs?: number;
  onSeek?: (ms: number) => void;
  /** Per track, the time ranges in which the person is in the picture (a grey band). */
  presence?: Map<number | null, [number, number][]>;
  /** Time without a label, and why (hatched bars). */
  unlabelled?: UnlabelledSpan[];
}

const who = (t: number | null) => (t == null ? 'person' : `person ${t}`);

/**
 * The time under the pointer of a click on a bar (from the row's box, so the bar's own width and
 * border do not matter), kept inside the bar; a click from the keyboard (no pointer: `detail` 0)
 * goes to the bar's start.
 */
export function clickedMs(e: { detail: number; clientX: number; currentTarget: Element }, startMs: number, endMs: number, totalMs: number): number {
  const row = e.currentTarget.parentElement?.getBoundingClientRect();
  if (e.detail === 0 || !row || row.width <= 0) return startMs;
  const ms = ((e.clientX - row.left) / row.width) * totalMs;
  return Math.min(Math.max(ms, startMs), endMs);
}

/** One row per person: a grey band where they are in the picture, a coloured bar per action segment,
 * a hatched bar where they went unlabelled (with the reason); a click on a bar or the track seeks to the
 * time clicked (Enter on a bar: to its start). */
export default function Timeline({ segments, tracks, durationMs, currentMs = 0, onSeek, presence, unlabelled = [] }: TimelineProps) {
  const total = Math.max(durationMs, ...segments.map((s) => s.end_ms), 1);
  const labels = [...new Set(segments.map((s) => s.label))].sort();
  const pct = (ms: number) => `${(100 * Math.max(0, Math.min(ms, total))) / total}%`;
  const width = (a: number, b: number) => `calc(${pct(b - a)} + 1px)`;
  return (
    <div className="timeline" data-testid="timeline">
      {tracks.map((t) => {
        const segs = segments.filter((s) => (s.track_id ?? null) === t);
        const gaps = unlabelled.filter((u) => (u.track_id ?? null) === t);
        const runs = presence?.get(t) ?? [];
        return (
          <div className="tl-row" key={String(t)}>
            <div className="tl-name">
              <span className="tl-swatch" style={{ background: trackColor(t) }} />
              {who(t)}
            </div>
            <div
              className="tl-track"
              data-track={String(t)}
              onClick={(e) => {
                const r = e.currentTarget.getBoundingClientRect();
                if (r.width > 0) onSeek?.(((e.clientX - r.left) / r.width) * total);
              }}
            >
              {runs.map(([a, b], i) => (
                <div key={`p${i}`} className="tl-presence" data-testid="presence" style={{ left: pct(a), width: width(a, b) }} title={`${who(t)} in the picture ${formatMs(a)} – ${formatMs(b)}`} />
              ))}
              {gaps.map((u, i) => (
                <button
                  type="button"
                  key={`u${i}`}
                  className="tl-gap"
                  data-reason={u.reason}
                  title={`no label (${REASON_TEXT[u.reason]}): ${formatMs(u.start_ms)} – ${formatMs(u.end_ms)}`}
                  aria-label={`${who(t)} unlabelled (${REASON_TEXT[u.reason]}) from ${formatMs(u.start_ms)} to ${formatMs(u.end_ms)}`}
                  style={{ left: pct(u.start_ms), width: width(u.start_ms, u.end_ms) }}
                  onClick={(e) => {
                    e.stopPropagation();
                    onSeek?.(clickedMs(e, u.start_ms, u.end_ms, total));
                  }}
                />
              ))}
              {segs.map((s, i) => {
                const bg = labelColor(s.label);
                return (
                  <button
                    type="button"
                    key={i}
                    className="tl-seg"
                    data-label={s.label}
                    data-start={s.start_ms}
                    data-end={s.end_ms}
                    title={`${s.label}: ${formatMs(s.start_ms)} – ${formatMs(s.end_ms)}, ${Math.round(s.mean_confidence * 100)}%`}
                    aria-label={`${who(t)} ${s.label} from ${formatMs(s.start_ms)} to ${formatMs(s.end_ms)}`}
                    style={{ left: pct(s.start_ms), width: width(s.start_ms, s.end_ms), background: bg, color: textOn(bg) }}
                    onClick={(e) => {
                      e.stopPropagation();
                      onSeek?.(clickedMs(e, s.start_ms, s.end_ms, total));
                    }}
                  >
                    {s.label}
                  </button>
                );
              })}
              <div className="tl-playhead" style={{ left: pct(currentMs) }} />
            </div>
          </div>
        );
      })}
      <div className="legend">
        {labels.map((l) => (
          <span key={l}>
            <span className="tl-swatch" style={{ background: labelColor(l) }} />
            {l}
          </span>
        ))}
        {presence && (
          <span>
            <span className="tl-swatch presence" />
            in the picture
          </span>
        )}
        {unlabelled.length > 0 && (
          <span>
            <span className="tl-swatch hatched" />
            no label (hover for why)
          </span>
        )}
      </div>
    </div>
  );
}
