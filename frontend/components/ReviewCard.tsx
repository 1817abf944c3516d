'use client';
import Link from 'next/link';
import { useId } from 'react';
import { textOn } from '@/lib/actionState';
import { formatMs, labelColor, trackColor } from '@/lib/skeleton';
import type { ActionSegment } from '@/lib/types';

export interface ReviewCardProps {
  segment: ActionSegment;
  /** A still of the segment's middle (a data URL); null: none could be taken; undefined: not yet. */
  thumbnail?: string | null;
  /** The label a person gave it ('' for none). */
  correction: string;
  /** The classes it can be corrected to. */
  choices: string[];
  playHref: string;
  onCorrect: (label: string) => void;
}

/** One action segment as a card: a still, the person, the label and confidence, the time; play it, or correct its label. */
export default function ReviewCard({ segment: s, thumbnail, correction, choices, playHref, onCorrect }: ReviewCardProps) {
  const selectId = useId();
  const who = s.track_id == null ? 'person' : `person ${s.track_id}`;
  const when = `${formatMs(s.start_ms)} – ${formatMs(s.end_ms)}`;
  const bg = labelColor(s.label);
  const seconds = ((s.duration_ms ?? s.end_ms - s.start_ms) / 1000).toFixed(1);
  return (
    <article className={`review-card${correction ? ' corrected' : ''}`} data-testid="review-card" data-label={s.label} data-track={String(s.track_id ?? null)}>
      <div className="review-thumb">
        {thumbnail ? (
          // eslint-disable-next-line @next/next/no-img-element -- a data URL made in the browser: nothing for next/image to optimise
          <img src={thumbnail} alt={`Still of ${who} at ${formatMs((s.start_ms + s.end_ms) / 2)}, labelled ${s.label}`} data-testid="review-thumb" />
        ) : (
          <span className="muted small">{thumbnail === null ? 'No still: the video cannot be read here.' : 'Taking a still…'}</span>
        )}
      </div>
      <div className="review-body">
        <h3>
          <span className="tl-swatch" style={{ background: trackColor(s.track_id) }} />
          {who}
        </h3>
        <p>
          <span className="chip" style={{ background: bg, color: textOn(bg) }}>
            {s.label}
          </span>{' '}
          {Math.round(s.mean_confidence * 100)}% · <span className="small">{when} ({seconds} s)</span>
        </p>
        <label htmlFor={selectId} className="small">
          Right label
        </label>{' '}
        <select id={selectId} value={correction} onChange={(e) => onCorrect(e.target.value)} data-testid="correct-label">
          <option value="">— not reviewed —</option>
          {choices.map((c) => (
            <option key={c} value={c}>
              {c === s.label ? `${c} (as labelled)` : c}
            </option>
          ))}
        </select>
        <p className="small">
          <Link href={playHref} aria-label={`Play from here: ${who} ${s.label} from ${formatMs(s.start_ms)}`}>
            Play from here <span aria-hidden="true">→</span>
          </Link>
        </p>
      </div>
    </article>
  );
}
