import { setTimeout as sleep } from 'node:timers/promises';
import { streamSSE } from 'hono/streaming';
import { createRouter } from '../../app-env.js';
import type { VideoRepository } from '../../db/video-repository.js';
import { ApiError } from '../../errors.js';
import { toJob } from '../videos/schemas.js';
import { cancelJobRoute, getJobRoute, jobEventsRoute } from './routes.js';

export interface JobsRouterDependencies {
  videos: VideoRepository;
  /** How often an event stream looks at its job (the job row is read; nothing is pushed between replicas). */
  eventsPollMs: number;
  /** A stream with nothing new for this long gets a `: keep-alive` comment (idle timeouts of Envoy and the like). */
  keepAliveMs: number;
}

const finished = new Set(['completed', 'failed', 'cancelled']);

export function jobsRouter(deps: JobsRouterDependencies) {
  const router = createRouter();

  const found = async (jobId: string) => {
    const job = await deps.videos.findJob(jobId);
    if (!job) throw new ApiError(404, `job ${jobId} not found`);
    return job;
  };

  router.openapi(getJobRoute, async (c) => {
    const { job_id } = c.req.valid('param');
    return c.json(toJob(await found(job_id)), 200);
  });

  router.openapi(jobEventsRoute, async (c) => {
    const { job_id } = c.req.valid('param');
    let job = await found(job_id);
    return streamSSE(c, async (stream) => {
      let sent = '';
      let id = 0;
      let lastWriteAt = Date.now();
      while (!stream.aborted) {
        const data = JSON.stringify(toJob(job));
        const state = `${job.state}/${job.framesDone}/${job.framesTotal}/${job.attempts}`;
        if (state !== sent) {
          await stream.writeSSE({ event: 'job', data, id: String(++id) });
          sent = state;
          lastWriteAt = Date.now();
        } else if (Date.now() - lastWriteAt >= deps.keepAliveMs) {
          await stream.write(': keep-alive\n\n');
          lastWriteAt = Date.now();
        }
        if (finished.has(job.state)) break;
        await sleep(deps.eventsPollMs);
        const next = await deps.videos.findJob(job_id);
        if (!next) {
          await stream.writeSSE({
            event: 'error',
            data: JSON.stringify({ error: `job ${job_id} was deleted` }),
          });
          break;
        }
        job = next;
      }
    }) as never;
  });

  router.openapi(cancelJobRoute, async (c) => {
    const { job_id } = c.req.valid('param');
    const job = await found(job_id);
    if (finished.has(job.state) && job.state !== 'cancelled') {
      throw new ApiError(
        409,
        `job ${job_id} has already ${job.state === 'completed' ? 'completed' : 'failed'}`,
      );
    }
    const cancelled = await deps.videos.cancel(job_id, Date.now());
    if (!cancelled) throw new ApiError(404, `job ${job_id} not found`);
    if (cancelled.state !== 'cancelled') {
      throw new ApiError(409, `job ${job_id} has already ${cancelled.state}`);
    }
    return c.json(toJob(cancelled), 200);
  });

  return router;
}
