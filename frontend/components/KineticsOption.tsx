'use client';

export interface KineticsOptionProps {
  checked: boolean;
  onChange: (checked: boolean) => void;
  disabled?: boolean;
}

/**
 * The upload's `kinetics=true`: also name what the scene shows with the Kinetics-400 clip model
 * (the classifier must have it set up: `scripts/setup kinetics`; the service says so otherwise).
 */
export default function KineticsOption({ checked, onChange, disabled }: KineticsOptionProps) {
  return (
    <label className="small">
      <input type="checkbox" data-testid="kinetics-option" checked={checked} onChange={(e) => onChange(e.target.checked)} disabled={disabled} /> Also
      name what the scene shows (Kinetics-400 clip model: 400 everyday activities, from the pixels; slower)
    </label>
  );
}
