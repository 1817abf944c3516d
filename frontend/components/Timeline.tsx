'use client';
import type { ActionSegment } from '@/lib/types';
import { formatMs, labelColor, trackColor } from '@/lib/skeleton';

export interface TimelineProps {
  segments: ActionSegment[];
  tracks: (number | null)[];
  durationMs: number;
  currentMs?: number;
  onSeek?: (ms: number) => void;
}

/** One row per person; each segment a coloured bar; click a bar (or the track) to seek. */
export default function Timeline({ segments, tracks, durationMs, currentMs = 0, onSeek }: TimelineProps) {
  const total = Math.max(durationMs, ...segments.map((s) => s.end_ms), 1);
  const labels = [...new Set(segments.map((s) => s.label))].sort();
  const pct = (ms: number) => `${(100 * Math.max(0, Math.min(ms, total))) / total}%`;
  return (
    <div className="timeline" data-testid="timeline">
      {tracks.map((t) => {
        const segs = segments.filter((s) => (s.track_id ?? null) === t);
        return (
          <div className="tl-row" key={String(t)}>
            <div className="tl-name">
              <span className="tl-swatch" style={{ background: trackColor(t) }} />
              {t == null ? 'person' : `person ${t}`}
            </div>
            <div
              className="tl-track"
              onClick={(e) => {
                const r = e.currentTarget.getBoundingClientRect();
                if (r.width > 0) onSeek?.(((e.clientX - r.left) / r.width) * total);
              }}
            >
              {segs.map((s, i) => (
                <button
                  type="button"
                  key={i}
                  className="tl-seg"
                  data-label={s.label}
                  title={`${s.label}: ${formatMs(s.start_ms)} – ${formatMs(s.end_ms)}, ${Math.round(s.mean_confidence * 100)}%`}
                  aria-label={`${t == null ? 'person' : `person ${t}`} ${s.label} from ${formatMs(s.start_ms)} to ${formatMs(s.end_ms)}`}
                  style={{ left: pct(s.start_ms), width: `calc(${pct(s.end_ms - s.start_ms)} + 1px)`, background: labelColor(s.label) }}
                  onClick={(e) => {
                    e.stopPropagation();
                    onSeek?.(s.start_ms);
                  }}
                >
                  {s.label}
                </button>
              ))}
              <div className="tl-playhead" style={{ left: pct(currentMs) }} />
            </div>
          </div>
        );
      })}
      {labels.length > 0 && (
        <div className="legend">
          {labels.map((l) => (
            <span key={l}>
              <span className="tl-swatch" style={{ background: labelColor(l) }} />
              {l}
            </span>
          ))}
        </div>
      )}
    </div>
  );
}
