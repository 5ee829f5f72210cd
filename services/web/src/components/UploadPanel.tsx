import type { ModelList } from '../api/types.js';
import type { DetectSettings } from '../logic/settings.js';
import { validateImageUrl } from '../logic/upload-input.js';
import { clampParallelUploads, PARALLEL_UPLOADS } from '../logic/upload-queue.js';
import { ExampleGallery } from './ExampleGallery.js';
import { ModelSettingsFields } from './ModelSettingsFields.js';
import { UrlForm } from './UrlForm.js';
import { WebcamCapture } from './WebcamCapture.js';

const THRESHOLD_HINT =
  'The model keeps objects scoring at least this; applies to new uploads and re-runs. To hide objects of a ' +
  'result, use its confidence control instead.';

interface UploadPanelProps {
  settings: DetectSettings;
  onSettings: (settings: DetectSettings) => void;
  models: ModelList | null;
  modelsError: string | null;
  busy: boolean;
  /** Files are being dragged over the page: the whole panel shows where they go. */
  dragging: boolean;
  onFiles: (files: File[]) => void;
  onUrl: (url: string) => void;
  /** A mistake shown next to its field (a bad URL): any older error banner goes, so errors never stack. */
  onFieldError: () => void;
  /** A problem of this page's own (an example photo that did not load), shown as the error banner. */
  onError: (message: string) => void;
}

/** Drop zone, file picker, URL field, example photos, camera, and the settings sent with each detection. */
export function UploadPanel(props: UploadPanelProps) {
  const { settings, onSettings, models, modelsError, busy, dragging, onFiles, onUrl, onFieldError, onError } =
    props;

  return (
    <section
      class={`card upload ${dragging ? 'upload-dragging' : ''}`}
      aria-labelledby="upload-heading"
      data-testid="upload-panel"
      data-dragging={dragging ? 'true' : 'false'}
    >
      <h2 id="upload-heading">Detect objects</h2>
      {dragging && (
        <p class="drop-hint" role="status">
          Drop the images to detect objects in them
        </p>
      )}

      <div class={`dropzone ${dragging ? 'dropzone-active' : ''}`} data-testid="dropzone">
        <svg class="dropzone-icon" viewBox="0 0 24 24" aria-hidden="true">
          <path d="M12 16V4m0 0-4 4m4-4 4 4M4 16v2a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-2" />
        </svg>
        <p>
          <strong>Drop images here</strong>, paste, or
        </p>
        <label class={`button button-primary ${busy ? 'button-disabled' : ''}`} for="file-input">
          Choose files…
        </label>
        <input
          id="file-input"
          class="visually-hidden"
          type="file"
          multiple
          accept="image/jpeg,image/png,image/webp,image/*"
          disabled={busy}
          aria-describedby="file-hint"
          onChange={(event) => {
            const input = event.currentTarget as HTMLInputElement;
            const files = Array.from(input.files ?? []);
            input.value = '';
            if (files.length > 0) onFiles(files);
          }}
        />
        <p id="file-hint" class="hint">
          JPEG, PNG or WebP; several at once are uploaded as a batch. Each image and its objects are stored.
        </p>
        <WebcamCapture busy={busy} onFile={(file) => onFiles([file])} />
      </div>

      <UrlForm
        inputId="image-url"
        label="Or an image URL"
        placeholder="https://example.com/photo.jpg"
        busy={busy}
        check={validateImageUrl}
        onUrl={onUrl}
        onFieldError={onFieldError}
      />

      <ExampleGallery busy={busy} onFile={(file) => onFiles([file])} onError={onError} />

      <fieldset class="settings">
        <legend>Settings</legend>
        <ModelSettingsFields
          settings={settings}
          onSettings={onSettings}
          models={models}
          modelsError={modelsError}
          modelFieldId="model-select"
          thresholdFieldId="model-threshold"
          thresholdHint={THRESHOLD_HINT}
        />
        <div class="field">
          <label for="parallel-uploads">Parallel uploads in a batch</label>
          <input
            id="parallel-uploads"
            type="number"
            min={PARALLEL_UPLOADS.min}
            max={PARALLEL_UPLOADS.max}
            step="1"
            value={settings.parallelUploads}
            onChange={(event) =>
              onSettings({
                ...settings,
                parallelUploads: clampParallelUploads(
                  Number((event.currentTarget as HTMLInputElement).value),
                ),
              })
            }
          />
        </div>
      </fieldset>
    </section>
  );
}
