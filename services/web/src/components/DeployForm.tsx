import { useEffect, useRef, useState } from 'preact/hooks';
import type { DeployRequest, ModelList } from '../api/types.js';
import { checkDeployForm, type DeployFormValues, deployQuestion } from '../logic/deployments.js';

interface DeployFormProps {
  values: DeployFormValues;
  onChange: (values: DeployFormValues) => void;
  models: ModelList | null;
  scalingApplies: boolean;
  busy: boolean;
  onSubmit: (request: DeployRequest) => void;
  onReset: () => void;
}

/** A labelled numeric field of the form. */
function NumberField(props: { id: string; label: string; value: string; onInput: (event: Event) => void }) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <input id={props.id} inputMode="numeric" value={props.value} onInput={props.onInput} />
    </div>
  );
}

const headings = { deploy: 'Deploy a model', scale: 'Scale', canary: 'Start a canary' } as const;

/** Deploy, scale or canary: one form, checked before it is sent, and confirmed with what it will do. */
export function DeployForm({
  values,
  onChange,
  models,
  scalingApplies,
  busy,
  onSubmit,
  onReset,
}: DeployFormProps) {
  const [problem, setProblem] = useState<string | null>(null);
  const [pending, setPending] = useState<DeployRequest | null>(null);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const set = (changes: Partial<DeployFormValues>) => {
    setPending(null);
    setProblem(null);
    onChange({ ...values, ...changes });
  };
  const field = (name: keyof DeployFormValues) => (event: Event) =>
    set({ [name]: (event.currentTarget as HTMLInputElement | HTMLSelectElement).value });

  useEffect(() => {
    if (pending) confirmRef.current?.focus();
  }, [pending]);

  const heading = values.mode === 'deploy' ? headings.deploy : `${headings[values.mode]}: ${values.model}`;
  return (
    <form
      class="card deploy-form"
      aria-labelledby="deploy-heading"
      data-testid="deploy-form"
      data-mode={values.mode}
      onSubmit={(event) => {
        event.preventDefault();
        const checked = checkDeployForm(values);
        if ('error' in checked) {
          setProblem(checked.error);
          return;
        }
        setPending(checked.request);
      }}
    >
      <h2 id="deploy-heading">{heading}</h2>
      <div class="deploy-fields">
        <div class="field">
          <label for="deploy-model">Model</label>
          <select
            id="deploy-model"
            value={values.model}
            disabled={values.mode !== 'deploy'}
            onChange={field('model')}
          >
            <option value="">Choose…</option>
            {(models?.models ?? [])
              .map((model) => model.name)
              .filter((name, index, names) => names.indexOf(name) === index)
              .map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
          </select>
        </div>
        <div class="field">
          <label for="deploy-version">Version</label>
          <input
            id="deploy-version"
            inputMode="numeric"
            value={values.version}
            readOnly={values.mode === 'scale'}
            onInput={field('version')}
          />
        </div>
        {values.mode === 'canary' && (
          <NumberField
            id="deploy-canary"
            label="Canary share (%)"
            value={values.canaryPercent}
            onInput={field('canaryPercent')}
          />
        )}
        <NumberField
          id="deploy-min"
          label="Min replicas"
          value={values.minReplicas}
          onInput={field('minReplicas')}
        />
        <NumberField
          id="deploy-max"
          label="Max replicas"
          value={values.maxReplicas}
          onInput={field('maxReplicas')}
        />
        <NumberField
          id="deploy-concurrency"
          label="Target concurrency"
          value={values.targetConcurrency}
          onInput={field('targetConcurrency')}
        />
      </div>
      <p class="hint">
        {scalingApplies
          ? 'Min replicas 0 lets the model scale to zero when idle.'
          : 'Locally one model server serves every version: replica counts are kept but do not apply.'}
      </p>
      {problem && (
        <p class="field-error" role="alert" data-testid="deploy-form-error">
          {problem}
        </p>
      )}
      {pending ? (
        // biome-ignore lint/a11y/useSemanticElements: an inline confirmation, not a form field group
        <div class="confirm" role="group" aria-label={deployQuestion(pending, values.mode)}>
          <span class="confirm-question">{deployQuestion(pending, values.mode)}</span>
          <button
            ref={confirmRef}
            type="button"
            class="button button-primary button-small"
            disabled={busy}
            onClick={() => {
              setPending(null);
              onSubmit(pending);
            }}
          >
            Confirm
          </button>
          <button type="button" class="button button-quiet button-small" onClick={() => setPending(null)}>
            Cancel
          </button>
        </div>
      ) : (
        <div class="deploy-actions">
          <button type="submit" class="button button-primary" disabled={busy}>
            {values.mode === 'deploy' ? 'Deploy…' : values.mode === 'scale' ? 'Scale…' : 'Start canary…'}
          </button>
          {values.mode !== 'deploy' && (
            <button type="button" class="button button-quiet" onClick={onReset}>
              Back to deploying a model
            </button>
          )}
        </div>
      )}
    </form>
  );
}
