import { createRoute, z } from '@hono/zod-openapi';
import { requires } from '../permission.js';
import { errorResponse, jsonResponse } from '../schemas.js';
import { EXAMPLE_JOB_ID, exampleJob } from '../videos/examples.js';
import { JobParamsSchema, JobSchema } from '../videos/schemas.js';

const invalidId = errorResponse('Invalid job id', 'invalid path parameter: job_id: must be a UUID');
const noSuchJob = errorResponse('No such job', `job ${EXAMPLE_JOB_ID} not found`);

export const getJobRoute = createRoute({
  method: 'get',
  path: '/{job_id}',
  tags: ['jobs'],
  summary: 'A video job: state, frames done / total, elapsed, ETA, error',
  ...requires('read'),
  request: { params: JobParamsSchema },
  responses: { 200: jsonResponse(JobSchema, 'The job', exampleJob), 400: invalidId, 404: noSuchJob },
});

export const jobEventsRoute = createRoute({
  method: 'get',
  path: '/{job_id}/events',
  tags: ['jobs'],
  summary: 'The job as Server-Sent Events: one `job` event per change, until it has finished',
  ...requires('read'),
  request: { params: JobParamsSchema },
  responses: {
    200: {
      content: {
        'text/event-stream': {
          schema: z.string(),
          example: `event: job\ndata: ${JSON.stringify(exampleJob)}\n\n`,
        },
      },
      description: 'A stream of `job` events (data: the job as `GET /jobs/{job_id}` answers it)',
    },
    400: invalidId,
    404: noSuchJob,
  },
});

export const cancelJobRoute = createRoute({
  method: 'delete',
  path: '/{job_id}',
  tags: ['jobs'],
  summary: 'Cancel a queued or running job (frames already detected stay)',
  ...requires('detect'),
  request: { params: JobParamsSchema },
  responses: {
    200: jsonResponse(JobSchema, 'The cancelled job', { ...exampleJob, state: 'cancelled' }),
    400: invalidId,
    404: noSuchJob,
    409: errorResponse('The job had already finished', `job ${EXAMPLE_JOB_ID} has already completed`),
  },
});
