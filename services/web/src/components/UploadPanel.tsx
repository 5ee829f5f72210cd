import { useState } from 'preact/hooks';
import type { ModelList } from '../api/types.js';
import { pickFile, validateImageUrl } from '../logic/upload-input.js';

export interface DetectSettings {
  model: string;
  scoreThreshold: number;
}

interface UploadPanelProps {
  settings: DetectSettings;
  onSettings: (settings: DetectSettings) => void;
  models: ModelList | null;
  modelsError: string | null;
  busy: boolean;
  onFile: (file: File) => void;
  onUrl: (url: string) => void;
}

/** Drop zone, file picker, URL field, model picker and score threshold. */
export function UploadPanel({
  settings,
  onSettings,
  models,
  modelsError,
  busy,
  onFile,
  onUrl,
}: UploadPanelProps) {
  const [dragging, setDragging] = useState(false);
  const [url, setUrl] = useState('');
  const [urlError, setUrlError] = useState<string | null>(null);

  const takeFiles = (files: FileList | null | undefined) => {
    const file = pickFile(files);
    if (file) onFile(file);
  };

  return (
    <section class="card upload" aria-labelledby="upload-heading">
      <h2 id="upload-heading">Detect objects</h2>

      {/* biome-ignore lint/a11y/noStaticElementInteractions: a drop target for the mouse; the file input inside is the keyboard path */}
      <div
        class={`dropzone ${dragging ? 'dropzone-active' : ''}`}
        data-testid="dropzone"
        onDragEnter={(event) => {
          event.preventDefault();
          setDragging(true);
        }}
        onDragOver={(event) => {
          event.preventDefault();
          if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
        }}
        onDragLeave={(event) => {
          if (!(event.currentTarget as HTMLElement).contains(event.relatedTarget as Node | null))
            setDragging(false);
        }}
        onDrop={(event) => {
          event.preventDefault();
          event.stopPropagation();
          setDragging(false);
          if (!busy) takeFiles(event.dataTransfer?.files);
        }}
      >
        <svg class="dropzone-icon" viewBox="0 0 24 24" aria-hidden="true">
          <path d="M12 16V4m0 0-4 4m4-4 4 4M4 16v2a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-2" />
        </svg>
        <p>
          <strong>Drop an image here</strong>, paste one, or
        </p>
        <label class={`button button-primary ${busy ? 'button-disabled' : ''}`} for="file-input">
          Choose a file…
        </label>
        <input
          id="file-input"
          class="visually-hidden"
          type="file"
          accept="image/jpeg,image/png,image/webp,image/*"
          disabled={busy}
          aria-describedby="file-hint"
          onChange={(event) => {
            const input = event.currentTarget as HTMLInputElement;
            takeFiles(input.files);
            input.value = '';
          }}
        />
        <p id="file-hint" class="hint">
          JPEG, PNG or WebP. The image is stored and its objects saved.
        </p>
      </div>

      <form
        class="url-form"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          const checked = validateImageUrl(url);
          if (!checked.ok) {
            setUrlError(checked.error);
            return;
          }
          setUrlError(null);
          onUrl(checked.url);
        }}
      >
        <label for="image-url">Or an image URL</label>
        <div class="input-row">
          <input
            id="image-url"
            name="image-url"
            type="url"
            inputMode="url"
            placeholder="https://example.com/photo.jpg"
            value={url}
            aria-invalid={urlError !== null}
            aria-describedby={urlError ? 'image-url-error' : undefined}
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
          <p id="image-url-error" class="field-error" role="alert">
            {urlError}
          </p>
        )}
      </form>

      <fieldset class="settings">
        <legend>Settings</legend>
        <div class="field">
          <label for="model-select">Model</label>
          <select
            id="model-select"
            value={settings.model}
            onChange={(event) =>
              onSettings({ ...settings, model: (event.currentTarget as HTMLSelectElement).value })
            }
            aria-describedby={modelsError ? 'model-error' : undefined}
          >
            <option value="">Server default{models?.defaultModel ? ` (${models.defaultModel})` : ''}</option>
            {models?.models.map((model) => (
              <option
                key={model.name}
                value={model.name}
                disabled={model.state !== null && model.state.toUpperCase() !== 'READY'}
              >
                {model.name}
                {model.version ? ` (v${model.version})` : ''}
                {model.state && model.state.toUpperCase() !== 'READY'
                  ? ` — ${model.state.toLowerCase()}`
                  : ''}
              </option>
            ))}
          </select>
          {modelsError && (
            <p id="model-error" class="hint hint-warn">
              {modelsError}
            </p>
          )}
        </div>
        <div class="field">
          <label for="score-threshold">
            Score threshold <output for="score-threshold">{settings.scoreThreshold.toFixed(2)}</output>
          </label>
          <input
            id="score-threshold"
            type="range"
            min="0.05"
            max="0.95"
            step="0.05"
            value={settings.scoreThreshold}
            aria-describedby="threshold-hint"
            onInput={(event) =>
              onSettings({
                ...settings,
                scoreThreshold: Number((event.currentTarget as HTMLInputElement).value),
              })
            }
          />
          <p id="threshold-hint" class="hint">
            Objects scoring below this are not kept. Applies to new uploads and re-runs.
          </p>
        </div>
      </fieldset>
    </section>
  );
}
