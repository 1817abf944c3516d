import { REASON_TEXT, textOn, type ActionState } from '@/lib/actionState';
import { labelColor } from '@/lib/skeleton';

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
