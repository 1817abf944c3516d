import { POSE_SERVICES, type PoseService } from '@/lib/types';

/** The pose service (single- or multi-person model) a live page talks to; locked while it runs. */
export function ServicePicker({
  value,
  onChange,
  disabled = false,
}: {
  value: PoseService;
  onChange: (service: PoseService) => void;
  disabled?: boolean;
}) {
  return (
    <label>
      Model{' '}
      <select value={value} onChange={(e) => onChange(e.target.value as PoseService)} disabled={disabled}>
        {POSE_SERVICES.map((s) => (
          <option key={s.id} value={s.id}>
            {s.label}
          </option>
        ))}
      </select>
    </label>
  );
}
