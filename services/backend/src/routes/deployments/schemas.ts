import { z } from '@hono/zod-openapi';
import { deploymentStates } from '../../deployments/deployment-view.js';
import { ErrorSchema } from '../schemas.js';

/** Replica counts above this are refused as a mistake rather than passed to a cluster. */
export const maxReplicaLimit = 100;

/**
 * A deployment is named after its model and becomes a KServe InferenceService of that name: a DNS-1035 label
 * (lower-case letters, digits, "-", starting with a letter), at most 45 characters so that the names KServe and
 * Knative derive from it (`<name>-predictor-00001-deployment-…`) stay within Kubernetes' 63.
 */
export const DeploymentNameSchema = z
  .string()
  .max(45, 'must be at most 45 characters (a Kubernetes name KServe derives others from)')
  .regex(
    /^[a-z]([-a-z0-9]*[a-z0-9])?$/,
    'must be a Kubernetes name: lower-case letters, digits and "-", starting with a letter and not ending with "-"',
  )
  .openapi({ description: 'The model name, which names the deployment', example: 'blazeface' });

export const VersionSchema = z
  .string()
  .regex(/^[1-9][0-9]{0,8}$/, 'must be a model version number (1, 2, …)')
  .openapi({ description: 'A version folder of the model repository', example: '2' });

export const DeploymentParamsSchema = z.object({
  name: DeploymentNameSchema.openapi({ param: { name: 'name', in: 'path' } }),
});

export const DeployBodySchema = z
  .object({
    model: DeploymentNameSchema,
    version: VersionSchema,
    min_replicas: z
      .number()
      .int()
      .min(0)
      .max(maxReplicaLimit)
      .default(0)
      .openapi({ description: '0 lets the model scale to zero when idle' }),
    max_replicas: z.number().int().min(1).max(maxReplicaLimit).default(1),
    target_concurrency: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(4)
      .openapi({ description: 'Requests in flight per replica before another one is started' }),
    canary_percent: z.number().int().min(1).max(99).optional().openapi({
      description: 'Run `version` as a canary with this share of requests, next to the stable version',
    }),
  })
  .refine((body) => body.min_replicas <= body.max_replicas, {
    message: 'min_replicas must not be more than max_replicas',
    path: ['min_replicas'],
  })
  .openapi('DeployRequest');

const TrafficShareSchema = z.object({
  version: z.string(),
  percent: z.number().int(),
});

export const DeploymentSchema = z
  .object({
    name: z.string(),
    model: z.string(),
    target: z.enum(['local', 'kubernetes']),
    state: z.enum(deploymentStates),
    versions: z.object({
      stable: z.string().nullable().openapi({ description: 'The version taking (the rest of) the requests' }),
      canary: z.string().nullable(),
      rolling_out: z.string().nullable().openapi({ description: 'A version coming up, not serving yet' }),
      previous: z
        .string()
        .nullable()
        .openapi({ description: 'The last good version before stable: roll back target' }),
    }),
    traffic: z.array(TrafficShareSchema),
    replicas: z.object({
      current: z.number().int().nullable(),
      min: z.number().int(),
      max: z.number().int(),
      scaling: z
        .enum(['applies', 'not_applicable'])
        .openapi({ description: '`not_applicable` locally: one model server process serves every version' }),
    }),
    target_concurrency: z.number().int(),
    url: z.string().nullable(),
    last_transition_time: z.string(),
    failure_reason: z.string().nullable().openapi({ description: 'What went wrong, in plain words' }),
    message: z.string().openapi({ description: 'What happened last' }),
    generation: z.number().int(),
    history: z
      .array(
        z.object({ at: z.string(), action: z.string(), version: z.string().nullable(), detail: z.string() }),
      )
      .optional(),
  })
  .openapi('Deployment');

export const DeploymentListSchema = z
  .object({ target: z.enum(['local', 'kubernetes']), deployments: z.array(DeploymentSchema) })
  .openapi('DeploymentList');

export const DeploymentConflictSchema = ErrorSchema.extend({
  deployment: DeploymentSchema.optional().openapi({ description: 'The deployment as it is now' }),
}).openapi('DeploymentConflict');
