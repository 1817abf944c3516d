export default function ProgressBar({ value, label }: { value: number; label: string }) {
  const v = Math.max(0, Math.min(100, value));
  return (
    <div className="progress">
      <div className="progress-label">
        <span>{label}</span>
        <span>{Math.round(v)}%</span>
      </div>
      <div className="progress-track" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(v)}>
        <div className="progress-fill" style={{ width: `${v}%` }} />
      </div>
    </div>
  );
}
