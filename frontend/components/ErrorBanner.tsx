import type { ReactNode } from 'react';

/** A plain, visible error: role=alert so screen readers and tests find it. */
export default function ErrorBanner({ title, children, onDismiss }: { title?: string; children: ReactNode; onDismiss?: () => void }) {
  return (
    <div className="error" role="alert">
      <div>
        {title && <strong>{title} </strong>}
        <span className="error-text">{children}</span>
      </div>
      {onDismiss && (
        <button type="button" className="link" onClick={onDismiss} aria-label="Dismiss">
          ×
        </button>
      )}
    </div>
  );
}
