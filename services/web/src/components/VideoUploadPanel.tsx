import type { ModelList } from '../api/types.js';
import type { DetectSettings } from '../logic/settings.js';
import { validateVideoUrl } from '../logic/upload-input.js';
import { SAMPLING_RATES } from '../logic/video-sampling.js';
import { ModelSettingsFields } from './ModelSettingsFields.js';
import { UrlForm } from './UrlForm.js';

interface VideoUploadPanelProps {
  settings: DetectSettings;
  onSettings: (settings: DetectSettings) => void;
  models: ModelList | null;
  /** Frames per second to sample ('' = the backend's default). */
  sampling: string;
  onSampling: (value: string) => void;
  busy: boolean;
  dragging: boolean;
  onFile: (file: File) => void;
  onUrl: (url: string) => void;
}

/** File picker (and drop), video URL, and what is sent with the upload: model, threshold, frames per second. */
export function VideoUploadPanel(props: VideoUploadPanelProps) {
  const { settings, onSettings, models, sampling, onSampling, busy, dragging, onFile, onUrl } = props;

  return (
    <section
      class={`card upload ${dragging ? 'upload-dragging' : ''}`}
      aria-labelledby="video-upload-heading"
      data-testid="video-upload-panel"
    >
      <h2 id="video-upload-heading">Detect objects in a video</h2>
      {dragging && (
        <p class="drop-hint" role="status">
          Drop the video to detect objects in it
        </p>
      )}
      <div class={`dropzone ${dragging ? 'dropzone-active' : ''}`}>
        <svg class="dropzone-icon" viewBox="0 0 24 24" aria-hidden="true">
          <path d="M12 16V4m0 0-4 4m4-4 4 4M4 16v2a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-2" />
        </svg>
        <p>
          <strong>Drop a video here</strong> or
        </p>
        <label class={`button button-primary ${busy ? 'button-disabled' : ''}`} for="video-file-input">
          Choose a video…
        </label>
        <input
          id="video-file-input"
          class="visually-hidden"
          type="file"
          accept="video/*,.mp4,.mov,.mkv,.webm,.avi"
          disabled={busy}
          aria-describedby="video-file-hint"
          onChange={(event) => {
            const input = event.currentTarget as HTMLInputElement;
            const file = input.files?.[0];
            input.value = '';
            if (file) onFile(file);
          }}
        />
        <p id="video-file-hint" class="hint">
          MP4, MOV, MKV, WebM or AVI (H.264, HEVC, VP8, VP9, AV1, MPEG-4, MJPEG). The frames are detected in
          the background; you can leave the page and come back.
        </p>
      </div>

      <UrlForm
        inputId="video-url"
        label="Or a video URL"
        placeholder="https://example.com/clip.mp4"
        busy={busy}
        check={validateVideoUrl}
        onUrl={onUrl}
      />

      <fieldset class="settings">
        <legend>Settings</legend>
        <div class="field">
          <label for="video-sampling">Frames detected per second of video</label>
          <select
            id="video-sampling"
            value={sampling}
            onChange={(event) => onSampling((event.currentTarget as HTMLSelectElement).value)}
          >
            <option value="">Server default</option>
            {SAMPLING_RATES.map((rate) => (
              <option key={rate} value={String(rate)}>
                {rate} per second
              </option>
            ))}
          </select>
        </div>
        <ModelSettingsFields
          settings={settings}
          onSettings={onSettings}
          models={models}
          modelFieldId="video-model"
          thresholdFieldId="video-threshold"
        />
      </fieldset>
    </section>
  );
}
