import type { VideoAnalysis } from '@/lib/types';

const TITLES: Record<string, string> = {
  frames_lost: 'Frames lost',
  nobody_found: 'Nobody found',
  people_left_out: 'People left out',
  size_changed: 'Picture size changes',
};

/** What the service says the user should know about a result (frames lost to damage, nobody found,
 * people past the per-frame limit, a size change), each with what to do. Nothing when all is well. */
export default function Notices({ analysis }: { analysis: VideoAnalysis }) {
  const notices = analysis.notices ?? [];
  const turned = analysis.source.rotation || analysis.source.mirrored;
  if (!notices.length && !turned) return null;
  return (
    <ul className="notices" data-testid="notices">
      {notices.map((n) => (
        <li key={n.code}>
          <strong>{TITLES[n.code] ?? n.code}:</strong> {n.message}
        </li>
      ))}
      {turned ? (
        <li key="rotation">
          <strong>Turned upright:</strong> the video is stored turned {analysis.source.rotation}°
          {analysis.source.mirrored ? ' and mirrored' : ''}; it was analysed as a player shows it.
        </li>
      ) : null}
    </ul>
  );
}
