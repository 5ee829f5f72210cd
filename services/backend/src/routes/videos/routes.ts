import { createRoute, z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { requires } from '../permission.js';
import {
  DetectionQuerySchema,
  errorResponse,
  ImageUploadBodySchema,
  jsonResponse,
  PageQuerySchema,
} from '../schemas.js';
import { EXAMPLE_VIDEO_ID, exampleAccepted, exampleFrames, exampleTracks, exampleVideo } from './examples.js';
import {
  FrameListSchema,
  TrackListSchema,
  VideoAcceptedSchema,
  VideoListSchema,
  VideoParamsSchema,
  VideoSchema,
} from './schemas.js';

const invalidId = errorResponse(
  'Invalid video id',
  'invalid path parameter: video_id: must be a 64-character hex SHA-256',
);
const noSuchVideo = errorResponse('No such video', `video ${EXAMPLE_VIDEO_ID} not found`);

const exampleVideoId = EXAMPLE_VIDEO_ID;

export const UploadVideoQuerySchema = DetectionQuerySchema.extend({
  fps: z.coerce
    .number()
    .gt(0, 'must be more than 0')
    .max(60, 'must be at most 60 frames per second')
    .optional()
    .openapi({
      description: 'Frames sampled per second of video (default 2, at most the video’s own rate)',
      example: 2,
    }),
  every_nth_frame: z.coerce
    .number()
    .int('must be an integer')
    .min(1, 'must be at least 1')
    .max(100_000, 'must be at most 100000')
    .optional()
    .openapi({ description: 'Sample every n-th frame instead of `fps`', example: 10 }),
});

export const uploadVideoRoute = (bodyLimit: MiddlewareHandler) =>
  createRoute({
    method: 'post',
    path: '/',
    tags: ['videos'],
    summary: 'Upload a video; its frames are detected by a background job',
    description:
      'Answers at once with the video id (the SHA-256 of its bytes) and the job that samples its frames with ' +
      'ffmpeg, detects objects in each and tracks them. Follow it at `status_url` (or its `/events`).',
    ...requires('detect', bodyLimit),
    request: {
      query: UploadVideoQuerySchema,
      body: {
        ...ImageUploadBodySchema,
        description:
          'The video as multipart field `file`, or JSON `{"url": "…"}` (http/https, public addresses only)',
      },
    },
    responses: {
      202: jsonResponse(VideoAcceptedSchema, 'Stored and queued', exampleAccepted),
      400: errorResponse(
        'Missing, empty, truncated or unreadable file, not a video, or invalid sampling',
        'the file is not a readable video (truncated, corrupt or not a video): moov atom not found',
      ),
      409: jsonResponse(
        z.object({ error: z.string(), video_id: z.string() }),
        'The same bytes were uploaded before; `video_id` names the existing video',
        { error: `this video was already uploaded as ${exampleVideoId}`, video_id: exampleVideoId },
      ),
      413: errorResponse(
        'Larger than MAX_VIDEO_BYTES, longer than MAX_VIDEO_SECONDS or more pixels per frame than MAX_VIDEO_PIXELS',
        'the video is 900.0 s long, more than the 600 s limit (MAX_VIDEO_SECONDS)',
      ),
      415: errorResponse(
        'No video stream (audio only), or an unsupported codec',
        'the file has no video stream (only audio)',
      ),
      422: errorResponse('The URL could not be fetched', 'the URL answered 404'),
    },
  });

export const listVideosRoute = createRoute({
  method: 'get',
  path: '/',
  tags: ['videos'],
  summary: 'List videos, newest first',
  ...requires('read'),
  request: {
    query: PageQuerySchema,
  },
  responses: {
    200: jsonResponse(VideoListSchema, 'One page of videos', { videos: [exampleVideo], next_cursor: null }),
    400: errorResponse('Invalid limit or cursor', 'invalid query: limit: must be between 1 and 100'),
  },
});

export const getVideoRoute = createRoute({
  method: 'get',
  path: '/{video_id}',
  tags: ['videos'],
  summary: 'Video metadata (duration, fps, size, codec) and its job',
  ...requires('read'),
  request: { params: VideoParamsSchema },
  responses: { 200: jsonResponse(VideoSchema, 'The video', exampleVideo), 400: invalidId, 404: noSuchVideo },
});

export const getVideoFileRoute = createRoute({
  method: 'get',
  path: '/{video_id}/file',
  tags: ['videos'],
  summary: 'The uploaded video bytes (supports Range requests)',
  ...requires('read'),
  request: { params: VideoParamsSchema },
  responses: {
    200: {
      content: { 'video/mp4': { schema: z.string().openapi({ format: 'binary' }) } },
      description: 'The whole file',
    },
    206: {
      content: { 'video/mp4': { schema: z.string().openapi({ format: 'binary' }) } },
      description: 'The requested byte range',
    },
    400: invalidId,
    404: noSuchVideo,
    416: errorResponse(
      'The range is outside the file or not one `bytes=start-end` range',
      'the range bytes=999999- is outside the 1000-byte file',
    ),
  },
});

export const deleteVideoRoute = createRoute({
  method: 'delete',
  path: '/{video_id}',
  tags: ['videos'],
  summary: 'Delete a video, its file, its job (stopping it), frames and tracks',
  ...requires('admin'),
  request: { params: VideoParamsSchema },
  responses: { 204: { description: 'Deleted' }, 400: invalidId, 404: noSuchVideo },
});

const secondsSchema = z.coerce.number().min(0, 'must be 0 or more seconds');

export const listFramesRoute = createRoute({
  method: 'get',
  path: '/{video_id}/frames',
  tags: ['videos'],
  summary: 'Per sampled frame: index, timestamp and objects (with track ids once the job completed)',
  ...requires('read'),
  request: {
    params: VideoParamsSchema,
    query: z.object({
      from: secondsSchema
        .optional()
        .openapi({ description: 'Frames at or after this many seconds', example: 0 }),
      to: secondsSchema
        .optional()
        .openapi({ description: 'Frames at or before this many seconds', example: 10 }),
      limit: z.coerce
        .number()
        .int('must be an integer')
        .min(1, 'must be between 1 and 10000')
        .max(10_000, 'must be between 1 and 10000')
        .default(1000),
    }),
  },
  responses: {
    200: jsonResponse(FrameListSchema, 'The frames stored so far, in order', exampleFrames),
    400: errorResponse('Invalid id or range', 'invalid query: from must not be after to'),
    404: noSuchVideo,
  },
});

export const listTracksRoute = createRoute({
  method: 'get',
  path: '/{video_id}/tracks',
  tags: ['videos'],
  summary: 'One entry per track: label, first/last timestamp, frames seen, best score, box path',
  ...requires('read'),
  request: { params: VideoParamsSchema },
  responses: {
    200: jsonResponse(TrackListSchema, 'The tracks (empty until the job completed)', exampleTracks),
    400: invalidId,
    404: noSuchVideo,
  },
});

export const getAnnotatedVideoRoute = createRoute({
  method: 'get',
  path: '/{video_id}/annotated',
  tags: ['videos'],
  summary:
    'An H.264 MP4 with the boxes, labels and track ids drawn (generated once, then stored; Range requests)',
  ...requires('read'),
  request: { params: VideoParamsSchema },
  responses: {
    200: {
      content: { 'video/mp4': { schema: z.string().openapi({ format: 'binary' }) } },
      description: 'The annotated video',
    },
    206: {
      content: { 'video/mp4': { schema: z.string().openapi({ format: 'binary' }) } },
      description: 'The requested byte range',
    },
    400: invalidId,
    404: noSuchVideo,
    409: errorResponse(
      'The video’s job has not completed',
      "the video's job has not completed (it is running); the annotated video is drawn from its results",
    ),
    416: errorResponse(
      'The range is outside the file',
      'the range bytes=5000000- is outside the 1000-byte file',
    ),
  },
});
