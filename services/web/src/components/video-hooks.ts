import { useEffect, useState } from 'preact/hooks';
import type { ApiClient, VideoVariant } from '../api/client.js';
import { toApiError } from '../api/errors.js';
import type { VideoJob } from '../api/types.js';
import { jobFinished } from '../logic/video-job.js';
import { useStoredFileSource } from './hooks.js';

/** How the page hears about the job: the events stream, or (when that cannot be read) a poll every second. */
export type JobFeed = 'events' | 'polling';

const POLL_MS = 1000;

/**
 * Follows a job live from `GET /jobs/{id}/events`. When the stream cannot be opened or breaks off before the job
 * has finished (a proxy that buffers or cuts streams), it falls back to asking `GET /jobs/{id}` every second.
 */
export function useJobFollower(api: ApiClient, initial: VideoJob): { job: VideoJob; feed: JobFeed } {
  const [job, setJob] = useState(initial);
  const [feed, setFeed] = useState<JobFeed>('events');
  useEffect(() => {
    setJob(initial);
    setFeed('events');
    if (jobFinished(initial.state)) return;
    const controller = new AbortController();
    let latest = initial;
    const take = (next: VideoJob) => {
      latest = next;
      setJob(next);
    };
    const poll = async () => {
      setFeed('polling');
      while (!controller.signal.aborted && !jobFinished(latest.state)) {
        try {
          take(await api.getJob(initial.job_id, controller.signal));
        } catch (caught) {
          const error = toApiError(caught, 'Checking the job', api.baseUrl);
          if (error.kind === 'aborted' || error.kind === 'not_found') return;
        }
        if (jobFinished(latest.state)) return;
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    };
    void (async () => {
      try {
        await api.followJobEvents(initial.job_id, take, controller.signal);
      } catch (caught) {
        const error = toApiError(caught, 'Following the job', api.baseUrl);
        if (error.kind === 'aborted' || error.kind === 'not_found') return;
      }
      if (!controller.signal.aborted && !jobFinished(latest.state)) await poll();
    })();
    return () => controller.abort();
  }, [api, initial.job_id]);
  return { job, feed };
}

/** A URL a <video> can play for a stored video (see useStoredFileSource). */
export function useVideoSource(
  api: ApiClient,
  videoId: string,
  variant: VideoVariant,
  tokenVersion: number,
): { src: string | null; failed: boolean } {
  return useStoredFileSource(
    api,
    api.videoUrl(videoId, variant),
    (signal) => api.videoBlob(videoId, variant, signal),
    tokenVersion,
  );
}
