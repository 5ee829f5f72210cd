import { useState } from 'preact/hooks';
import type { UrlCheck } from '../logic/upload-input.js';

interface UrlFormProps {
  inputId: string;
  label: string;
  placeholder: string;
  busy: boolean;
  /** Checks the typed URL; its error is shown under the field. */
  check: (text: string) => UrlCheck;
  onUrl: (url: string) => void;
  /** Called when a typed URL is refused. */
  onFieldError?: () => void;
}

/** A URL field with its Detect button; a refused URL is explained under the field and never sent. */
export function UrlForm(props: UrlFormProps) {
  const { inputId, label, placeholder, busy, check, onUrl, onFieldError } = props;
  const [url, setUrl] = useState('');
  const [urlError, setUrlError] = useState<string | null>(null);
  const errorId = `${inputId}-error`;

  return (
    <form
      class="url-form"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        const checked = check(url);
        if (!checked.ok) {
          setUrlError(checked.error);
          onFieldError?.();
          return;
        }
        setUrlError(null);
        onUrl(checked.url);
      }}
    >
      <label for={inputId}>{label}</label>
      <div class="input-row">
        <input
          id={inputId}
          name={inputId}
          type="url"
          inputMode="url"
          placeholder={placeholder}
          value={url}
          aria-invalid={urlError !== null}
          aria-describedby={urlError ? errorId : undefined}
          onInput={(event) => {
            setUrl((event.currentTarget as HTMLInputElement).value);
            setUrlError(null);
          }}
        />
        <button type="submit" class="button" disabled={busy || url.trim() === ''}>
          Detect
        </button>
      </div>
      {urlError && (
        <p id={errorId} class="field-error">
          {urlError}
        </p>
      )}
    </form>
  );
}
