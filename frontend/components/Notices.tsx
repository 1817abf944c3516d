import type { VideoAnalysis } from '@/lib/types';

const TITLES: Record<string, string> = {
  frames_lost: 'Frames lost',
  nobody_found: 'Nobody found',
  people_left_out: 'People left out',
  size_changed: 'Picture size changes',
  classifier_unavailable: 'Classifier unavailable',
};

const REASONS: Record<string, string> = {
  window_filling: 'window filling',
  classifier_unavailable: 'classifier did not answer',
  few_visible_joints: 'too little of the person seen',
  low_confidence: 'no action likely enough',
};

/** Seconds without a label per reason, with the number of ranges, e.g. "1.2 s window filling (2)". */
export function unlabelledSummary(analysis: VideoAnalysis): string[] {
  const by = new Map<string, { s: number; n: number }>();
  for (const u of analysis.unlabelled ?? []) {
    const e = by.get(u.reason) ?? { s: 0, n: 0 };
    e.s += (u.end_ms - u.start_ms) / 1000;
    e.n += 1;
    by.set(u.reason, e);
  }
  return [...by.entries()].map(([reason, e]) => `${e.s.toFixed(1)} s ${REASONS[reason] ?? reason} (${e.n})`);
}

/** What the service says the user should know about a result (frames lost to damage, nobody found,
 * people past the per-frame limit, a size change, a classifier outage), each with what to do, and
 * where people went unlabelled and why. Nothing when all is well. */
export default function Notices({ analysis }: { analysis: VideoAnalysis }) {
  const notices = analysis.notices ?? [];
  const turned = analysis.source.rotation || analysis.source.mirrored;
  const unlabelled = unlabelledSummary(analysis);
  if (!notices.length && !turned && !unlabelled.length) return null;
  return (
    <ul className="notices" data-testid="notices">
      {notices.map((n) => (
        <li key={n.code}>
          <strong>{TITLES[n.code] ?? n.code}:</strong> {n.message}
        </li>
      ))}
      {unlabelled.length ? (
        <li key="unlabelled" className="muted">
          <strong>Unlabelled (uncertain):</strong> {unlabelled.join(', ')}
        </li>
      ) : null}
      {turned ? (
        <li key="rotation">
          <strong>Turned upright:</strong> the video is stored turned {analysis.source.rotation}°
          {analysis.source.mirrored ? ' and mirrored' : ''}; it was analysed as a player shows it.
        </li>
      ) : null}
    </ul>
  );
}
