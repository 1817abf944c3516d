'use client';
import { actionState } from '@/lib/actionState';
import type { LiveStats } from '@/lib/liveClient';
import { trackColor } from '@/lib/skeleton';
import type { ActionSegment, FrameResult } from '@/lib/types';
import ActionChip, { TopClasses } from './ActionChip';
import SegmentTable from './SegmentTable';

export function StatsPanel({ stats, state, cameraFps, stale = false }: { stats: LiveStats; state: string; cameraFps?: number | null; stale?: boolean }) {
  const f = (v: number | null | undefined, d = 0) => (v == null ? '–' : v.toFixed(d));
  return (
    <div className={`stats${stale ? ' stale' : ''}`} data-testid="live-stats" data-stale={stale ? 'true' : 'false'}>
      {cameraFps !== undefined && (
        <div className="stat">
          <b data-testid="camera-fps">{f(cameraFps, 1)}</b>
          <span>camera frames / s</span>
        </div>
      )}
      <div className="stat">
        <b data-testid="fps">{f(stats.fps, 1)}</b>
        <span>analysed frames / s</span>
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
        <b style={{ fontSize: '1rem', textDecoration: 'none' }} data-testid="stat-state">{state}</b>
        <span>actions: {stats.classifier ?? '–'}</span>
      </div>
    </div>
  );
}

export function PeopleNow({
  frame,
  labelled,
  classifier,
  stale = false,
}: {
  frame: FrameResult | null;
  labelled?: Set<number | null>;
  classifier?: LiveStats['classifier'];
  stale?: boolean;
}) {
  const persons = frame?.persons ?? [];
  return (
    <ul className={`people${stale ? ' stale' : ''}`} data-testid="live-people" data-stale={stale ? 'true' : 'false'}>
      {stale && frame && <li className="muted small">As of the last answer:</li>}
      {!frame && <li className="muted">Nothing analysed yet.</li>}
      {frame && persons.length === 0 && (
        <li className="muted" data-testid="nobody">
          Nobody seen.
        </li>
      )}
      {persons.map((p, i) => (
        <li key={i}>
          <span className="tl-swatch" style={{ background: trackColor(p.track_id) }} />
          <span>{p.track_id == null ? 'person' : `person ${p.track_id}`}</span>
          <ActionChip
            state={actionState(p, {
              labelledBefore: labelled ? labelled.has(p.track_id ?? null) : undefined,
              reason: classifier === 'unavailable' ? 'classifier_unavailable' : (p.action?.reason ?? null),
              classifierOff: classifier === 'off',
            })}
          />
          <TopClasses label={p.action} />
        </li>
      ))}
    </ul>
  );
}

export function RecentSegments({ segments }: { segments: ActionSegment[] }) {
  return <SegmentTable segments={segments.slice(-15).reverse()} />;
}

/** The side column of the live and stream pages: who is doing what now, and the latest segments. */
export function LiveSidebar({
  frame,
  segments,
  labelled,
  classifier,
  stale = false,
}: {
  frame: FrameResult | null;
  segments: ActionSegment[];
  labelled?: Set<number | null>;
  classifier?: LiveStats['classifier'];
  stale?: boolean;
}) {
  return (
    <aside>
      <div className="panel">
        <h2 className="sub">Now</h2>
        <PeopleNow frame={frame} labelled={labelled} classifier={classifier} stale={stale} />
      </div>
      <div className="panel">
        <h2 className="sub">Recent actions</h2>
        <RecentSegments segments={segments} />
      </div>
    </aside>
  );
}
