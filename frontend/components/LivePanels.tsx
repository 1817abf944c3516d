'use client';
import type { LiveStats } from '@/lib/liveClient';
import { labelColor, trackColor } from '@/lib/skeleton';
import type { ActionSegment, FrameResult } from '@/lib/types';
import SegmentTable from './SegmentTable';

export function StatsPanel({ stats, state }: { stats: LiveStats; state: string }) {
  const f = (v: number | null, d = 0) => (v == null ? '–' : v.toFixed(d));
  return (
    <div className="stats" data-testid="live-stats">
      <div className="stat">
        <b data-testid="fps">{f(stats.fps, 1)}</b>
        <span>frames / s</span>
      </div>
      <div className="stat">
        <b data-testid="latency">{f(stats.rttMs)}</b>
        <span>latency ms (round trip)</span>
      </div>
      <div className="stat">
        <b>{f(stats.serverMs)}</b>
        <span>server ms</span>
      </div>
      <div className="stat">
        <b>{stats.dropped}</b>
        <span>dropped by server</span>
      </div>
      <div className="stat">
        <b data-testid="received">{stats.received}</b>
        <span>frames answered</span>
      </div>
      <div className="stat">
        <b style={{ fontSize: '1rem' }}>{state}</b>
        <span>actions: {stats.classifier ?? '–'}</span>
      </div>
    </div>
  );
}

export function PeopleNow({ frame }: { frame: FrameResult | null }) {
  const persons = frame?.persons ?? [];
  return (
    <ul className="people" data-testid="live-people">
      {persons.length === 0 && <li className="muted">Nobody seen.</li>}
      {persons.map((p, i) => (
        <li key={i}>
          <span className="tl-swatch" style={{ background: trackColor(p.track_id) }} />
          <span>{p.track_id == null ? 'person' : `person ${p.track_id}`}</span>
          {p.action ? (
            <span className="chip" style={{ background: labelColor(p.action.label) }} data-testid="person-label">
              {p.action.label} {Math.round(p.action.confidence * 100)}%
            </span>
          ) : (
            <span className="muted small">no label yet</span>
          )}
        </li>
      ))}
    </ul>
  );
}

export function RecentSegments({ segments }: { segments: ActionSegment[] }) {
  return <SegmentTable segments={segments.slice(-15).reverse()} />;
}

/** The side column of the live and stream pages: who is doing what now, and the latest segments. */
export function LiveSidebar({ frame, segments }: { frame: FrameResult | null; segments: ActionSegment[] }) {
  return (
    <aside>
      <div className="panel">
        <h3 style={{ marginTop: 0 }}>Now</h3>
        <PeopleNow frame={frame} />
      </div>
      <div className="panel">
        <h3 style={{ marginTop: 0 }}>Recent actions</h3>
        <RecentSegments segments={segments} />
      </div>
    </aside>
  );
}
