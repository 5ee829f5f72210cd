import type { Deployment, DeploymentState, DeployRequest } from '../api/types.js';

/** How each state is shown: its words and the pill's tone. */
export const STATE_PILLS: Record<
  DeploymentState,
  { label: string; tone: 'ok' | 'warn' | 'bad' | 'neutral' }
> = {
  ready: { label: 'ready', tone: 'ok' },
  scaled_to_zero: { label: 'scaled to zero', tone: 'neutral' },
  deploying: { label: 'deploying', tone: 'warn' },
  failed: { label: 'failed', tone: 'bad' },
  deleting: { label: 'deleting', tone: 'warn' },
};

/** True while some deployment is on its way somewhere: the page then polls quickly. */
export function isChanging(deployments: readonly Deployment[]): boolean {
  return deployments.some(
    (deployment) => deployment.state === 'deploying' || deployment.state === 'deleting',
  );
}

/** The list is asked again after this long: every second while something changes, otherwise every 15 s. */
export function pollDelayMs(deployments: readonly Deployment[], changedByThisPage: boolean): number {
  return isChanging(deployments) || changedByThisPage ? 1_000 : 15_000;
}

export function trafficText(deployment: Deployment): string {
  if (deployment.traffic.length === 0) return 'no traffic yet';
  return deployment.traffic.map((share) => `v${share.version} ${share.percent} %`).join(' · ');
}

export function replicasText(deployment: Deployment): string {
  const { current, min, max, scaling } = deployment.replicas;
  if (scaling === 'not_applicable') return 'not applicable locally';
  return `${current ?? '–'} running · ${min}–${max}`;
}

export type DeployMode = 'deploy' | 'scale' | 'canary';

/** What the deploy form holds, as typed (strings), before it is checked. */
export interface DeployFormValues {
  mode: DeployMode;
  model: string;
  version: string;
  minReplicas: string;
  maxReplicas: string;
  targetConcurrency: string;
  canaryPercent: string;
}

export const EMPTY_FORM: DeployFormValues = {
  mode: 'deploy',
  model: '',
  version: '1',
  minReplicas: '0',
  maxReplicas: '1',
  targetConcurrency: '4',
  canaryPercent: '10',
};

/** The form prefilled for an action on an existing deployment. */
export function formFor(deployment: Deployment, mode: DeployMode): DeployFormValues {
  const next = deployment.versions.stable === null ? '1' : String(Number(deployment.versions.stable) + 1);
  return {
    mode,
    model: deployment.model,
    version: mode === 'scale' ? (deployment.versions.stable ?? '1') : next,
    minReplicas: String(deployment.replicas.min),
    maxReplicas: String(deployment.replicas.max),
    targetConcurrency: String(deployment.target_concurrency),
    canaryPercent: '10',
  };
}

const wholeNumber = (text: string) => (/^\d{1,6}$/.test(text.trim()) ? Number(text.trim()) : null);

/** Checks the form as the API will, so that the usual mistakes are said next to the form before anything is sent. */
export function checkDeployForm(values: DeployFormValues): { request: DeployRequest } | { error: string } {
  if (values.model === '') return { error: 'Choose a model.' };
  if (!/^[1-9]\d{0,8}$/.test(values.version.trim()))
    return { error: 'The version is a whole number: 1, 2, …' };
  const min = wholeNumber(values.minReplicas);
  const max = wholeNumber(values.maxReplicas);
  const concurrency = wholeNumber(values.targetConcurrency);
  if (min === null || min > 100) return { error: 'Minimum replicas is a whole number from 0 to 100.' };
  if (max === null || max < 1 || max > 100)
    return { error: 'Maximum replicas is a whole number from 1 to 100.' };
  if (min > max) return { error: `Minimum replicas (${min}) is more than maximum replicas (${max}).` };
  if (concurrency === null || concurrency < 1 || concurrency > 1000)
    return { error: 'Target concurrency is a whole number from 1 to 1000.' };
  const request: DeployRequest = {
    model: values.model,
    version: values.version.trim(),
    min_replicas: min,
    max_replicas: max,
    target_concurrency: concurrency,
  };
  if (values.mode === 'canary') {
    const percent = wholeNumber(values.canaryPercent);
    if (percent === null || percent < 1 || percent > 99)
      return { error: 'The canary’s share is a whole number of percent from 1 to 99.' };
    request.canary_percent = percent;
  }
  return { request };
}

/** The confirmation question of a deploy form's request. */
export function deployQuestion(request: DeployRequest, mode: DeployMode): string {
  if (mode === 'canary')
    return `Start version ${request.version} of ${request.model} as a canary for ${request.canary_percent} % of requests?`;
  if (mode === 'scale')
    return `Scale ${request.model} to ${request.min_replicas}–${request.max_replicas} replicas, ${request.target_concurrency} requests each?`;
  return `Deploy version ${request.version} of ${request.model}?`;
}
