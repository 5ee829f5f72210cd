/** Real answers of the deployment routes (local target, blazeface with a canary) and the errors they send. */
export const exampleDeployment = {
  name: 'blazeface',
  model: 'blazeface',
  target: 'local',
  state: 'ready',
  versions: { stable: '1', canary: '2', rolling_out: null, previous: null },
  traffic: [
    { version: '1', percent: 80 },
    { version: '2', percent: 20 },
  ],
  replicas: { current: null, min: 0, max: 1, scaling: 'not_applicable' },
  target_concurrency: 4,
  url: 'http://127.0.0.1:8080/v2/models/blazeface',
  last_transition_time: '2026-12-05T23:58:12.031Z',
  failure_reason: null,
  message: 'version 2 is ready and takes 20% of requests as a canary',
  generation: 4,
};

export const exampleDeploymentWithHistory = {
  ...exampleDeployment,
  history: [
    { at: '2026-12-05T23:57:40.112Z', action: 'deploy', version: '1', detail: 'deploy version 1' },
    {
      at: '2026-12-05T23:57:41.870Z',
      action: 'ready',
      version: '1',
      detail: 'version 1 is ready and takes all requests',
    },
    {
      at: '2026-12-05T23:58:10.502Z',
      action: 'canary',
      version: '2',
      detail: 'bringing up version 2 as a canary for 20% of requests',
    },
    {
      at: '2026-12-05T23:58:12.031Z',
      action: 'ready',
      version: '2',
      detail: 'version 2 is ready and takes 20% of requests as a canary',
    },
  ],
};

export const exampleRollingOut = {
  ...exampleDeployment,
  state: 'deploying',
  versions: { stable: '1', canary: null, rolling_out: '2', previous: null },
  traffic: [{ version: '1', percent: 100 }],
  url: null,
  message: 'deploying version 2',
  generation: 3,
};

const unreachable = 'the model server at http://127.0.0.1:8080 is unreachable';

export const deploymentErrors = {
  listUnavailable: `cannot read the deployments’ status: ${unreachable}`,
  notFound: 'no deployment named blazeface',
  badName:
    'invalid param: name: must be a Kubernetes name: lower-case letters, digits and "-", starting with a letter and not ending with "-"',
  badBody: 'invalid json: min_replicas: min_replicas must not be more than max_replicas',
  unknownModel: 'unknown model facemesh: the model repository has blazeface, centernet-coco',
  busy: 'deployment blazeface cannot change now: version 2 is being rolled out; wait until it is ready or rolled back',
  deployUnavailable: `cannot check the model: ${unreachable}`,
  noCanary: 'deployment blazeface cannot change now: it has no canary to promote',
  nothingToRollBack:
    'deployment blazeface cannot change now: there is no canary and no previous version to roll back to',
  deleting: 'deployment blazeface cannot change now: it is being deleted already',
  deleteUnavailable: `cannot delete blazeface: ${unreachable}`,
  promoteUnavailable: `cannot promote blazeface, nothing was changed: ${unreachable}`,
  rollbackUnavailable: `cannot roll back blazeface, nothing was changed: ${unreachable}`,
};
