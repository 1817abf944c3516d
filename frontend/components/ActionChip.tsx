import { REASON_TEXT, textOn, type ActionState } from '@/lib/actionState';
import { labelColor } from '@/lib/skeleton';
import type { ActionLabel } from '@/lib/types';

/** A person's action: a coloured label with its confidence, or a visibly different state chip
 * (warming up, uncertain with its reason, no classifier) that never shows a percentage. */
export default function ActionChip({ state }: { state: ActionState }) {
  if (state.kind === 'label') {
    const bg = labelColor(state.label);
    return (
      <span className="chip" style={{ background: bg, color: textOn(bg) }} data-testid="person-label">
        {state.label} {Math.round(state.confidence * 100)}%
      </span>
    );
  }
  if (state.kind === 'warming')
    return (
      <span className="chip state warming" data-testid="person-state" data-state="warming" title="The person's window of poses is not full yet">
        warming up…
      </span>
    );
  if (state.kind === 'none')
    return (
      <span className="chip state" data-testid="person-state" data-state="none">
        no classifier
      </span>
    );
  return (
    <span className="chip state uncertain" data-testid="person-state" data-state="uncertain">
      uncertain{state.reason ? `: ${REASON_TEXT[state.reason]}` : ''}
    </span>
  );
}

/** The model's three most likely classes for a person, with their probabilities (when the service sends them). */
export function TopClasses({ label }: { label: ActionLabel | null | undefined }) {
  const top = label?.top_k;
  if (!top?.length) return null;
  return (
    <ol className="topk small" data-testid="top-k" aria-label="Most likely classes">
      {top.map((c) => (
        <li key={c.label}>
          <span className="topk-bar" style={{ width: `${Math.round(c.probability * 100)}%`, background: labelColor(c.label) }} />
          <span className="topk-text">
            {c.label} {Math.round(c.probability * 100)}%
          </span>
        </li>
      ))}
    </ol>
  );
}
