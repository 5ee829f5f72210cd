import { z } from '@hono/zod-openapi';
import type { VideoJobRow, VideoRow, VideoTrackRow } from '../../db/records.js';
import { jobStates } from '../../db/schema/values.js';
import type { FrameObject } from '../../video/frame-objects.js';
import { videoContentType } from '../../video/video-service.js';

const sha256 = z
  .string()
  .regex(/^[0-9a-fA-F]{64}$/, 'must be a 64-character hex SHA-256')
  .transform((id) => id.toLowerCase());

export const VideoParamsSchema = z.object({
  video_id: sha256.openapi({ param: { name: 'video_id', in: 'path' }, example: 'a'.repeat(64) }),
});

export const JobParamsSchema = z.object({
  job_id: z
    .uuid({ message: 'must be a UUID' })
    .transform((id) => id.toLowerCase())
    .openapi({ param: { name: 'job_id', in: 'path' }, example: '0d6f9a57-2b1e-4c8e-9f3a-5b7c1d2e3f40' }),
});

export const JobSchema = z
  .object({
    job_id: z.string().openapi({ format: 'uuid' }),
    video_id: z.string(),
    state: z.enum(jobStates),
    model: z.string(),
    score_threshold: z.number().nullable(),
    sampling: z
      .object({ fps: z.number().optional(), every_nth_frame: z.number().int().optional() })
      .openapi({ description: 'Frames sampled per second of video, or every n-th frame' }),
    frames_done: z.number().int(),
    frames_total: z.number().int().openapi({ description: 'Expected until the job completes, then exact' }),
    attempts: z.number().int().openapi({ description: 'Times a worker took the job (more than 1: resumed)' }),
    created_at: z.string(),
    started_at: z.string().nullable(),
    finished_at: z.string().nullable(),
    elapsed_s: z
      .number()
      .nullable()
      .openapi({ description: 'Seconds since the job started (until it finished)' }),
    eta_s: z.number().nullable().openapi({ description: 'Estimated seconds left, from the pace so far' }),
    error: z.string().nullable().openapi({ description: 'Why the job failed, in words' }),
  })
  .openapi('VideoJob');

export const VideoSchema = z
  .object({
    video_id: z.string(),
    filename: z.string(),
    content_type: z.string(),
    size_bytes: z.number().int(),
    source_url: z.string().nullable(),
    codec: z.string(),
    width: z.number().int(),
    height: z.number().int(),
    fps: z.number(),
    duration_s: z.number(),
    frame_count: z.number().int(),
    created_at: z.string(),
    status: z.enum(jobStates).openapi({ description: 'The state of the video’s detection job' }),
    job: JobSchema,
  })
  .openapi('Video');

export const VideoAcceptedSchema = z
  .object({ video_id: z.string(), job_id: z.string(), status_url: z.string(), video: VideoSchema })
  .openapi('VideoAccepted');

export const VideoListSchema = z
  .object({ videos: z.array(VideoSchema), next_cursor: z.string().nullable() })
  .openapi('VideoList');

const bbox = z.tuple([z.number().int(), z.number().int(), z.number().int(), z.number().int()]);

export const FrameObjectSchema = z
  .object({
    object_id: z.string(),
    bbox: bbox.openapi({ description: '[x_min, y_min, x_max, y_max] in frame pixels' }),
    label: z.string(),
    class_id: z.number().int(),
    score: z.number(),
    track_id: z.number().int().nullable().openapi({ description: 'Set once the job has completed' }),
  })
  .openapi('FrameObject');

export const FrameListSchema = z
  .object({
    video_id: z.string(),
    frames: z.array(
      z.object({
        index: z.number().int().openapi({ description: 'Position among the sampled frames, from 0' }),
        timestamp: z.number().openapi({ description: 'Seconds from the start of the video' }),
        objects: z.array(FrameObjectSchema),
      }),
    ),
  })
  .openapi('VideoFrames');

export const TrackListSchema = z
  .object({
    video_id: z.string(),
    tracks: z.array(
      z.object({
        track_id: z.number().int(),
        label: z.string(),
        first_timestamp: z.number(),
        last_timestamp: z.number(),
        frames_seen: z.number().int(),
        best_score: z.number(),
        path: z.array(z.object({ timestamp: z.number(), bbox, score: z.number() })),
      }),
    ),
  })
  .openapi('VideoTracks');

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const seconds = (ms: number) => Math.round(ms) / 1000;

export function toJob(job: VideoJobRow, now = Date.now()): z.infer<typeof JobSchema> {
  const elapsedMs = job.startedAt === null ? null : (job.finishedAt ?? now) - job.startedAt;
  let eta: number | null = null;
  if (job.state === 'completed') eta = 0;
  else if (job.state === 'running' && elapsedMs !== null && job.framesDone > 0) {
    eta =
      Math.round(((elapsedMs / job.framesDone) * Math.max(0, job.framesTotal - job.framesDone)) / 100) / 10;
  }
  return {
    job_id: job.id,
    video_id: job.videoId,
    state: job.state,
    model: job.model,
    score_threshold: job.scoreThreshold,
    sampling:
      job.everyNthFrame !== null ? { every_nth_frame: job.everyNthFrame } : { fps: job.sampleFps ?? 0 },
    frames_done: job.framesDone,
    frames_total: job.framesTotal,
    attempts: job.attempts,
    created_at: iso(job.createdAt)!,
    started_at: iso(job.startedAt),
    finished_at: iso(job.finishedAt),
    elapsed_s: elapsedMs === null ? null : seconds(elapsedMs),
    eta_s: eta,
    error: job.error,
  };
}

export function toVideo({ video, job }: { video: VideoRow; job: VideoJobRow }): z.infer<typeof VideoSchema> {
  return {
    video_id: video.id,
    filename: video.filename,
    content_type: videoContentType(video.container),
    size_bytes: video.sizeBytes,
    source_url: video.sourceUrl,
    codec: video.codec,
    width: video.width,
    height: video.height,
    fps: Math.round(video.fps * 1000) / 1000,
    duration_s: Math.round(video.durationSeconds * 1000) / 1000,
    frame_count: video.frameCount,
    created_at: iso(video.createdAt)!,
    status: job.state,
    job: toJob(job),
  };
}

export function toFrame(row: { frameIndex: number; timestampMs: number; objects: string }) {
  return {
    index: row.frameIndex,
    timestamp: seconds(row.timestampMs),
    objects: JSON.parse(row.objects) as FrameObject[],
  };
}

export function toTrack(row: VideoTrackRow) {
  const path = JSON.parse(row.path) as Array<{
    timestamp_ms: number;
    bbox: [number, number, number, number];
    score: number;
  }>;
  return {
    track_id: row.trackId,
    label: row.label,
    first_timestamp: seconds(row.firstMs),
    last_timestamp: seconds(row.lastMs),
    frames_seen: row.framesSeen,
    best_score: row.bestScore,
    path: path.map((point) => ({
      timestamp: seconds(point.timestamp_ms),
      bbox: point.bbox,
      score: point.score,
    })),
  };
}
