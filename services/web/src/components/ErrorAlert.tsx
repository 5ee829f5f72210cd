import type { ComponentChildren } from 'preact';
import type { ApiError } from '../api/errors.js';

interface ErrorAlertProps {
  error: ApiError;
  onDismiss: () => void;
  children?: ComponentChildren;
}

/** An API failure in words: what failed, the server's own reason, and what can be done next. */
export function ErrorAlert({ error, onDismiss, children }: ErrorAlertProps) {
  return (
    <div class="alert alert-error" role="alert" data-testid="error" data-kind={error.kind}>
      <span class="alert-icon" aria-hidden="true">
        !
      </span>
      <div class="alert-body">
        <p class="alert-title">{error.title}</p>
        {error.detail && <p class="alert-detail">{error.detail}</p>}
        {error.hint && (
          <p class="alert-hint" data-testid="error-hint">
            {error.hint}
          </p>
        )}
        {error.status > 0 && <p class="alert-meta">HTTP {error.status}</p>}
        {children && <div class="alert-actions">{children}</div>}
      </div>
      <button type="button" class="icon-button" aria-label="Dismiss error" onClick={onDismiss}>
        ×
      </button>
    </div>
  );
}
