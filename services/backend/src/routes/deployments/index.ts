import { createRoute } from '@hono/zod-openapi';
import { createRouter } from '../../app-env.js';
import type { DeploymentManager } from '../../deployments/deployment-manager.js';
import { requires } from '../permission.js';
import { errorResponse, jsonResponse } from '../schemas.js';
import {
  exampleDeployment,
  exampleDeploymentWithHistory,
  exampleRollingOut,
  deploymentErrors as messages,
} from './examples.js';
import {
  DeployBodySchema,
  DeploymentConflictSchema,
  DeploymentListSchema,
  DeploymentParamsSchema,
  DeploymentSchema,
} from './schemas.js';

const tags = ['deployments'];
const conflict = (description: string, message: string) =>
  jsonResponse(DeploymentConflictSchema, description, { error: message, deployment: exampleRollingOut });
const badName = errorResponse('The name is not a valid Kubernetes name', messages.badName);
const notFound = errorResponse('No deployment of that name', messages.notFound);

export const listDeploymentsRoute = createRoute({
  method: 'get',
  path: '/',
  tags,
  summary: 'Every deployment with its state, versions, traffic split and replicas',
  ...requires('admin'),
  responses: {
    200: jsonResponse(DeploymentListSchema, 'The deployments', {
      target: 'local',
      deployments: [exampleDeployment],
    }),
    503: errorResponse(
      'The target (model server or Kubernetes API) cannot be reached',
      messages.listUnavailable,
    ),
  },
});

export const getDeploymentRoute = createRoute({
  method: 'get',
  path: '/{name}',
  tags,
  summary: 'One deployment with its recent history',
  ...requires('admin'),
  request: { params: DeploymentParamsSchema },
  responses: {
    200: jsonResponse(DeploymentSchema, 'The deployment', exampleDeploymentWithHistory),
    400: badName,
    404: notFound,
    503: errorResponse('The target cannot be reached', messages.listUnavailable),
  },
});

export const deployRoute = createRoute({
  method: 'post',
  path: '/',
  tags,
  summary: 'Deploy a model version, change its scaling, or start a canary',
  description:
    'Creates the deployment of `model` or changes it. A new version is brought up next to the serving one and ' +
    'takes requests once ready (all of them, or `canary_percent`); if it is not ready within ' +
    'DEPLOY_READY_DEADLINE_MS it is dropped and traffic stays on the last good version (`failure_reason` says why). ' +
    'The same version again changes scaling only (200). Poll `GET /deployments/{name}` while `state` is `deploying`.',
  ...requires('admin'),
  request: { body: { content: { 'application/json': { schema: DeployBodySchema } }, required: true } },
  responses: {
    200: jsonResponse(DeploymentSchema, 'Changed in place (scaling, or a canary’s share)', exampleDeployment),
    201: jsonResponse(DeploymentSchema, 'Created; its first version is coming up', {
      ...exampleRollingOut,
      versions: { stable: null, canary: null, rolling_out: '1', previous: null },
      traffic: [],
      message: 'deploying version 1',
      generation: 1,
    }),
    202: jsonResponse(DeploymentSchema, 'A new version is coming up', exampleRollingOut),
    400: errorResponse('Invalid body: names, versions, replica counts, min > max', messages.badBody),
    404: errorResponse(
      'The model, or this version of it, is not in the model repository (on Kubernetes: not in DEPLOY_MODELS)',
      messages.unknownModel,
    ),
    409: conflict(
      'The deployment is busy (a rollout or a delete), was changed meanwhile, or a canary has no running version',
      messages.busy,
    ),
    503: errorResponse('The target cannot be reached', messages.deployUnavailable),
  },
});

export const promoteRoute = createRoute({
  method: 'post',
  path: '/{name}/promote',
  tags,
  summary: 'Send every request to the canary; the old stable version is kept for roll back',
  ...requires('admin'),
  request: { params: DeploymentParamsSchema },
  responses: {
    200: jsonResponse(DeploymentSchema, 'Promoted', {
      ...exampleDeployment,
      versions: { stable: '2', canary: null, rolling_out: null, previous: '1' },
      traffic: [{ version: '2', percent: 100 }],
      message: 'promoted version 2 to all requests (version 1 kept for roll back)',
      generation: 5,
    }),
    400: badName,
    404: notFound,
    409: conflict('No canary, or the deployment is busy', messages.noCanary),
    503: errorResponse('The target cannot be reached; nothing was changed', messages.promoteUnavailable),
  },
});

export const rollbackRoute = createRoute({
  method: 'post',
  path: '/{name}/rollback',
  tags,
  summary: 'Drop the canary, or go back to the previous version',
  ...requires('admin'),
  request: { params: DeploymentParamsSchema },
  responses: {
    200: jsonResponse(DeploymentSchema, 'Rolled back', {
      ...exampleDeployment,
      versions: { stable: '1', canary: null, rolling_out: null, previous: null },
      traffic: [{ version: '1', percent: 100 }],
      message: 'removed canary version 2; version 1 takes all requests',
      generation: 5,
    }),
    400: badName,
    404: notFound,
    409: conflict('Nothing to roll back to, or the deployment is busy', messages.nothingToRollBack),
    503: errorResponse('The target cannot be reached; nothing was changed', messages.rollbackUnavailable),
  },
});

export const deleteDeploymentRoute = createRoute({
  method: 'delete',
  path: '/{name}',
  tags,
  summary: 'Stop serving the model and remove the deployment',
  ...requires('admin'),
  request: { params: DeploymentParamsSchema },
  responses: {
    204: { description: 'Deleted' },
    400: badName,
    404: notFound,
    409: conflict('Being deleted already', messages.deleting),
    503: errorResponse(
      'The target cannot be reached; the deployment is kept as it was',
      messages.deleteUnavailable,
    ),
  },
});

export function deploymentsRouter(deps: { manager: DeploymentManager }) {
  const { manager } = deps;
  const router = createRouter();
  router.openapi(listDeploymentsRoute, async (c) =>
    c.json({ target: manager.targetKind, deployments: await manager.list() }, 200),
  );
  router.openapi(getDeploymentRoute, async (c) => c.json(await manager.get(c.req.valid('param').name), 200));
  router.openapi(deployRoute, async (c) => {
    const body = c.req.valid('json');
    const { status, deployment } = await manager.deploy({
      name: body.model,
      version: body.version,
      minReplicas: body.min_replicas,
      maxReplicas: body.max_replicas,
      targetConcurrency: body.target_concurrency,
      canaryPercent: body.canary_percent,
    });
    return c.json(deployment, status);
  });
  router.openapi(promoteRoute, async (c) => c.json(await manager.promote(c.req.valid('param').name), 200));
  router.openapi(rollbackRoute, async (c) => c.json(await manager.rollback(c.req.valid('param').name), 200));
  router.openapi(deleteDeploymentRoute, async (c) => {
    await manager.remove(c.req.valid('param').name);
    return c.body(null, 204);
  });
  return router;
}
