import { useEffect, useRef, useState } from 'preact/hooks';

interface TokenFieldProps {
  hasToken: boolean;
  /** Opens the field and focuses it, e.g. after a 401. */
  requested: boolean;
  onSave: (token: string) => void;
  onClear: () => void;
}

/** The API token for servers started with API_TOKENS; kept in sessionStorage (gone when the tab closes). */
export function TokenField({ hasToken, requested, onSave, onClear }: TokenFieldProps) {
  const [open, setOpen] = useState(requested);
  const [value, setValue] = useState('');
  const [visible, setVisible] = useState(false);
  const input = useRef<HTMLInputElement>(null);

  // switched through the DOM: the element keeps its value and focus when the text is revealed
  useEffect(() => {
    if (input.current) input.current.type = visible ? 'text' : 'password';
  }, [visible]);

  useEffect(() => {
    if (requested) {
      setOpen(true);
      requestAnimationFrame(() => input.current?.focus());
    }
  }, [requested]);

  return (
    <details
      class={`token ${requested && !hasToken ? 'token-needed' : ''}`}
      open={open}
      onToggle={(event) => setOpen((event.currentTarget as HTMLDetailsElement).open)}
    >
      <summary>
        <svg class="token-icon" viewBox="0 0 24 24" aria-hidden="true">
          <circle cx="8" cy="15" r="4" />
          <path d="m11 12 9-9m-4 4 3 3m-6 0 2 2" />
        </svg>
        API token <span class="token-state">{hasToken ? 'set' : requested ? 'required' : 'not set'}</span>
      </summary>
      <form
        class="token-form"
        onSubmit={(event) => {
          event.preventDefault();
          onSave(value);
          setValue('');
          setOpen(false);
        }}
      >
        <label for="api-token">Bearer token for this server</label>
        <div class="token-row">
          <input
            ref={input}
            id="api-token"
            name="api-token"
            type="password"
            autocomplete="off"
            spellcheck={false}
            placeholder={hasToken ? '•••••••• (saved for this tab)' : 'Paste a token from API_TOKENS'}
            value={value}
            onInput={(event) => setValue((event.currentTarget as HTMLInputElement).value)}
            aria-describedby="api-token-help"
          />
          <button
            type="button"
            class="button button-quiet"
            aria-pressed={visible}
            onClick={() => setVisible(!visible)}
          >
            {visible ? 'Hide' : 'Show'}
          </button>
        </div>
        <p id="api-token-help" class="hint">
          Stored only in this browser tab's session storage and sent as <code>Authorization: Bearer …</code>.
        </p>
        <div class="token-actions">
          <button type="submit" class="button button-primary" disabled={value.trim() === ''}>
            Save token
          </button>
          {hasToken && (
            <button
              type="button"
              class="button"
              onClick={() => {
                onClear();
                setValue('');
              }}
            >
              Forget token
            </button>
          )}
        </div>
      </form>
    </details>
  );
}
