import { useEffect, useRef, useState } from 'preact/hooks';
import type { ApiClient } from '../api/client.js';
import { type ApiError, toApiError } from '../api/errors.js';
import type { Deployment, DeploymentList, DeployRequest } from '../api/types.js';
import {
  type DeployFormValues,
  EMPTY_FORM,
  formFor,
  pollDelayMs,
  replicasText,
  STATE_PILLS,
  trafficText,
} from '../logic/deployments.js';
import { formatRelativeTime } from '../logic/format.js';
import { ConfirmButton } from './ConfirmButton.js';
import { DeployForm } from './DeployForm.js';
import { ErrorAlert } from './ErrorAlert.js';
import { useModels } from './hooks.js';

interface ModelsPageProps {
  api: ApiClient;
  tokenVersion: number;
  onUnauthorized: () => void;
}

const sentence = (text: string) => `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;

/** How long after this page changed something it keeps polling every second, even before the state shows it. */
const FOLLOW_UP_MS = 5_000;

/**
 * The Models page: every deployment with its state, versions, traffic split and replicas; deploy, scale, canary,
 * promote, roll back and delete, each confirmed; polled every second while something changes.
 */
export function ModelsPage({ api, tokenVersion, onUnauthorized }: ModelsPageProps) {
  const [list, setList] = useState<DeploymentList | null>(null);
  const [loadError, setLoadError] = useState<ApiError | null>(null);
  const [actionError, setActionError] = useState<ApiError | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [refresh, setRefresh] = useState(0);
  const [form, setForm] = useState<DeployFormValues>(EMPTY_FORM);
  const lastChange = useRef(0);
  const models = useModels(api, tokenVersion);

  // `refresh` is a dependency so that a change made here is shown at once, not at the next poll.
  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      try {
        const next = await api.listDeployments(controller.signal);
        setList(next);
        setLoadError(null);
        timer = setTimeout(
          load,
          pollDelayMs(next.deployments, Date.now() - lastChange.current < FOLLOW_UP_MS),
        );
      } catch (caught) {
        const error = toApiError(caught, 'Loading deployments', api.baseUrl);
        if (error.kind === 'aborted') return;
        setLoadError(error);
        if (error.kind === 'unauthorized') onUnauthorized();
        else timer = setTimeout(load, 5_000);
      }
    };
    void load();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [api, tokenVersion, refresh]);

  const act = async (action: string, run: () => Promise<string>) => {
    setBusy(true);
    setActionError(null);
    setNotice(null);
    try {
      setNotice(await run());
      lastChange.current = Date.now();
    } catch (caught) {
      const error = toApiError(caught, action, api.baseUrl);
      if (error.kind !== 'aborted') setActionError(error);
      if (error.kind === 'unauthorized') onUnauthorized();
    } finally {
      setBusy(false);
      setRefresh((n) => n + 1);
    }
  };

  const deploy = (request: DeployRequest) =>
    act(`Deploying ${request.model}`, async () => {
      const answer = await api.deploy(request);
      setForm(EMPTY_FORM);
      return answer.state === 'deploying'
        ? sentence(`${answer.message}: the table follows it until it is ready or rolled back`)
        : sentence(answer.message);
    });

  const deployments = list?.deployments ?? [];
  const scalingApplies = list?.target === 'kubernetes';
  return (
    <div class="models-page">
      <DeployForm
        values={form}
        onChange={setForm}
        models={models.models}
        scalingApplies={scalingApplies}
        busy={busy}
        onSubmit={(request) => void deploy(request)}
        onReset={() => setForm(EMPTY_FORM)}
      />
      <section class="card deployments" aria-labelledby="deployments-heading" aria-busy={busy}>
        <div class="deployments-header">
          <h2 id="deployments-heading">Deployments</h2>
          <span class="hint" data-testid="deployment-target">
            {list === null
              ? ''
              : list.target === 'local'
                ? 'on the local model server'
                : 'on Kubernetes (KServe)'}
          </span>
        </div>
        {actionError && <ErrorAlert error={actionError} onDismiss={() => setActionError(null)} />}
        {loadError && !actionError && <ErrorAlert error={loadError} onDismiss={() => setLoadError(null)} />}
        {notice && (
          <p class="alert alert-info" role="status" data-testid="deployments-notice">
            {notice}
          </p>
        )}
        {list !== null && deployments.length === 0 && (
          <p class="history-empty" data-testid="deployments-empty">
            Nothing deployed through this page yet. Choose a model and a version above.
          </p>
        )}
        {deployments.length > 0 && (
          <div class="table-scroll">
            <table class="deployments-table">
              <thead>
                <tr>
                  <th scope="col">Model</th>
                  <th scope="col">State</th>
                  <th scope="col">Versions</th>
                  <th scope="col">Traffic</th>
                  <th scope="col">Replicas</th>
                  <th scope="col">Last change</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {deployments.map((deployment) => (
                  <DeploymentRow
                    key={deployment.name}
                    deployment={deployment}
                    busy={busy}
                    onScale={() => setForm(formFor(deployment, 'scale'))}
                    onCanary={() => setForm(formFor(deployment, 'canary'))}
                    onPromote={() =>
                      void act(`Promoting ${deployment.name}`, async () =>
                        sentence((await api.promoteDeployment(deployment.name)).message),
                      )
                    }
                    onRollback={() =>
                      void act(`Rolling back ${deployment.name}`, async () =>
                        sentence((await api.rollbackDeployment(deployment.name)).message),
                      )
                    }
                    onDelete={() =>
                      void act(`Deleting ${deployment.name}`, async () => {
                        await api.deleteDeployment(deployment.name);
                        return `Deleted ${deployment.name}: the model server no longer serves it.`;
                      })
                    }
                  />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}

interface DeploymentRowProps {
  deployment: Deployment;
  busy: boolean;
  onScale: () => void;
  onCanary: () => void;
  onPromote: () => void;
  onRollback: () => void;
  onDelete: () => void;
}

function DeploymentRow({
  deployment,
  busy,
  onScale,
  onCanary,
  onPromote,
  onRollback,
  onDelete,
}: DeploymentRowProps) {
  const pill = STATE_PILLS[deployment.state];
  const { stable, canary, rolling_out: rollingOut, previous } = deployment.versions;
  const settled = deployment.state !== 'deploying' && deployment.state !== 'deleting';
  const name = deployment.name;
  return (
    <tr data-testid="deployment-row" data-name={name} data-state={deployment.state}>
      <th scope="row">{name}</th>
      <td>
        <span
          class={`pill ${pill.tone === 'neutral' ? '' : `pill-${pill.tone}`}`}
          data-testid="deployment-state"
        >
          {(deployment.state === 'deploying' || deployment.state === 'deleting') && (
            <span class="spinner spinner-small" aria-hidden="true" />
          )}
          {pill.label}
        </span>
      </td>
      <td data-testid="deployment-versions">
        {stable ? `v${stable}` : '–'}
        {canary && ` · canary v${canary}`}
        {rollingOut && ` · v${rollingOut} coming up`}
        {previous && <span class="hint"> (previous v{previous})</span>}
      </td>
      <td data-testid="deployment-traffic">{trafficText(deployment)}</td>
      <td>
        {replicasText(deployment)}
        <span class="hint"> · {deployment.target_concurrency} per replica</span>
      </td>
      <td class="deployment-message">
        <span data-testid="deployment-message">{deployment.message}</span>
        {deployment.failure_reason && (
          <span class="field-error" data-testid="deployment-failure">
            {' '}
            {deployment.failure_reason}
          </span>
        )}
        <span class="hint"> · {formatRelativeTime(deployment.last_transition_time)}</span>
      </td>
      <td>
        <div class="deployment-actions">
          <button type="button" class="button button-small" disabled={busy || !settled} onClick={onScale}>
            Scale…
          </button>
          <button
            type="button"
            class="button button-small"
            disabled={busy || !settled || stable === null}
            onClick={onCanary}
          >
            Canary…
          </button>
          {canary && (
            <ConfirmButton
              label="Promote"
              confirmLabel="Promote"
              question={`Send every request of ${name} to v${canary}?`}
              tone="normal"
              compact
              disabled={busy || !settled}
              onConfirm={onPromote}
            />
          )}
          {(canary || previous) && (
            <ConfirmButton
              label="Roll back"
              confirmLabel="Roll back"
              question={
                canary ? `Remove canary v${canary} of ${name}?` : `Go back to v${previous} of ${name}?`
              }
              compact
              disabled={busy || !settled}
              onConfirm={onRollback}
            />
          )}
          <ConfirmButton
            label="Delete"
            confirmLabel="Delete"
            question={`Stop serving ${name} and delete the deployment?`}
            compact
            disabled={busy || deployment.state === 'deleting'}
            onConfirm={onDelete}
          />
        </div>
      </td>
    </tr>
  );
}
