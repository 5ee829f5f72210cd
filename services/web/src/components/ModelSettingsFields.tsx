import type { ComponentChildren } from 'preact';
import type { ModelList } from '../api/types.js';
import { formatScore } from '../logic/format.js';
import { modelChoices } from '../logic/model-choices.js';
import { type DetectSettings, MODEL_THRESHOLDS } from '../logic/settings.js';

interface ModelSettingsFieldsProps {
  settings: DetectSettings;
  onSettings: (settings: DetectSettings) => void;
  models: ModelList | null;
  /** Why the model list could not be loaded, shown under the model field. */
  modelsError?: string | null;
  modelFieldId: string;
  thresholdFieldId: string;
  /** Explains the threshold under its field. */
  thresholdHint?: ComponentChildren;
}

const ready = (state: string | null) => state === null || state.toUpperCase() === 'READY';

/** The model and the score threshold sent with an upload: one select each, the server's defaults first. */
export function ModelSettingsFields(props: ModelSettingsFieldsProps) {
  const { settings, onSettings, models, modelsError, modelFieldId, thresholdFieldId, thresholdHint } = props;
  const defaultModel = models?.defaultModel ?? null;
  const choices = modelChoices(models?.models ?? []);
  const otherModels = choices.filter((model) => model.name !== defaultModel);
  const defaultInfo = choices.find((model) => model.name === defaultModel) ?? null;
  const modelErrorId = `${modelFieldId}-error`;
  const thresholdHintId = `${thresholdFieldId}-hint`;

  return (
    <>
      <div class="field">
        <label for={modelFieldId}>Model</label>
        <select
          id={modelFieldId}
          value={settings.model}
          onChange={(event) =>
            onSettings({ ...settings, model: (event.currentTarget as HTMLSelectElement).value })
          }
          aria-describedby={modelsError ? modelErrorId : undefined}
        >
          <option value="">
            {defaultModel
              ? `${defaultModel}${defaultInfo?.version ? ` (v${defaultInfo.version})` : ''} — default`
              : 'Server default'}
          </option>
          {otherModels.map((model) => (
            <option key={model.name} value={model.name} disabled={!ready(model.state)}>
              {model.name}
              {model.version ? ` (v${model.version})` : ''}
              {!ready(model.state) ? ` — ${model.state?.toLowerCase()}` : ''}
            </option>
          ))}
        </select>
        {modelsError && (
          <p id={modelErrorId} class="hint hint-warn">
            {modelsError}
          </p>
        )}
      </div>
      <div class="field">
        <label for={thresholdFieldId}>Threshold sent to the model</label>
        <select
          id={thresholdFieldId}
          value={settings.scoreThreshold === null ? '' : String(settings.scoreThreshold)}
          aria-describedby={thresholdHint ? thresholdHintId : undefined}
          onChange={(event) => {
            const value = (event.currentTarget as HTMLSelectElement).value;
            onSettings({ ...settings, scoreThreshold: value === '' ? null : Number(value) });
          }}
        >
          <option value="">The model's default</option>
          {MODEL_THRESHOLDS.map((threshold) => (
            <option key={threshold} value={String(threshold)}>
              {formatScore(threshold)}
            </option>
          ))}
        </select>
        {thresholdHint && (
          <p id={thresholdHintId} class="hint">
            {thresholdHint}
          </p>
        )}
      </div>
    </>
  );
}
