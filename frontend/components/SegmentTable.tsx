'use client';
import type { ActionSegment } from '@/lib/types';
import { formatMs, labelColor } from '@/lib/skeleton';
import { TableHead } from '@/components/TableHead';
import { textOn } from '@/lib/actionState';

export default function SegmentTable({ segments, onSeek }: { segments: ActionSegment[]; onSeek?: (ms: number) => void }) {
  if (segments.length === 0) return <p className="muted">No action segments.</p>;
  return (
    <div className="table-scroll" tabIndex={0} role="region" aria-label="Action segments">
    <table data-testid="segment-table">
      <TableHead
        columns={[
          { label: 'Person' },
          { label: 'Action' },
          { label: 'Start', num: true },
          { label: 'End', num: true },
          { label: 'Duration', num: true },
          { label: 'Confidence', num: true },
        ]}
      />
      <tbody>
        {segments.map((s, i) => (
          <tr
            key={i}
            className="clickable"
            onClick={() => onSeek?.(s.start_ms)}
            title="Play from here"
            data-start={s.start_ms}
            tabIndex={onSeek ? 0 : undefined}
            aria-label={onSeek ? `Play ${s.track_id == null ? '' : `person ${s.track_id} `}${s.label} from ${formatMs(s.start_ms)}` : undefined}
            onKeyDown={(e) => {
              if (onSeek && (e.key === 'Enter' || e.key === ' ')) {
                e.preventDefault();
                onSeek(s.start_ms);
              }
            }}
          >
            <td>{s.track_id ?? '–'}</td>
            <td>
              <span className="chip" style={{ background: labelColor(s.label), color: textOn(labelColor(s.label)) }}>
                {s.label}
              </span>
            </td>
            <td className="num">{formatMs(s.start_ms)}</td>
            <td className="num">{formatMs(s.end_ms)}</td>
            <td className="num">{((s.duration_ms ?? s.end_ms - s.start_ms) / 1000).toFixed(1)} s</td>
            <td className="num">{Math.round(s.mean_confidence * 100)}%</td>
          </tr>
        ))}
      </tbody>
    </table>
    </div>
  );
}
