import { useEffect, useRef, useState } from 'preact/hooks';

interface ConfirmButtonProps {
  label: string;
  confirmLabel: string;
  question: string;
  disabled?: boolean;
  /** Accessible name of the first button when the visible label is too short on its own. */
  ariaLabel?: string;
  compact?: boolean;
  /** `danger` (default) for destructive actions; `normal` for changes that are confirmed but not destructive. */
  tone?: 'danger' | 'normal';
  onConfirm: () => void;
}

/** A destructive action that asks inline first (no blocking window.confirm), keyboard-friendly. */
export function ConfirmButton({
  label,
  confirmLabel,
  question,
  disabled,
  ariaLabel,
  compact,
  tone = 'danger',
  onConfirm,
}: ConfirmButtonProps) {
  const firstClass = tone === 'danger' ? 'button-danger-quiet' : '';
  const confirmClass = tone === 'danger' ? 'button-danger' : 'button-primary';
  const [asking, setAsking] = useState(false);
  const confirm = useRef<HTMLButtonElement>(null);
  const first = useRef<HTMLButtonElement>(null);
  const wasAsking = useRef(false);

  useEffect(() => {
    if (asking) confirm.current?.focus();
    else if (wasAsking.current) first.current?.focus();
    wasAsking.current = asking;
  }, [asking]);

  if (!asking) {
    return (
      <button
        ref={first}
        type="button"
        class={`button ${firstClass} ${compact ? 'button-small' : ''}`}
        disabled={disabled}
        aria-label={ariaLabel}
        onClick={() => setAsking(true)}
      >
        {label}
      </button>
    );
  }
  return (
    // biome-ignore lint/a11y/useSemanticElements: an inline confirmation, not a form field group
    <span
      class="confirm"
      role="group"
      aria-label={question}
      onKeyDown={(event) => {
        if (event.key === 'Escape') {
          event.preventDefault();
          setAsking(false);
        }
      }}
    >
      <span class="confirm-question">{question}</span>
      <button
        ref={confirm}
        type="button"
        class={`button ${confirmClass} ${compact ? 'button-small' : ''}`}
        onClick={() => {
          setAsking(false);
          wasAsking.current = false;
          onConfirm();
        }}
      >
        {confirmLabel}
      </button>
      <button
        type="button"
        class={`button button-quiet ${compact ? 'button-small' : ''}`}
        onClick={() => setAsking(false)}
      >
        Cancel
      </button>
    </span>
  );
}
