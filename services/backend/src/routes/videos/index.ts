import type { Context } from 'hono';
import { createRouter } from '../../app-env.js';
import type { VideoRepository } from '../../db/video-repository.js';
import { ApiError } from '../../errors.js';
import type { UrlFetcher } from '../../fetch/url-fetcher.js';
import { parseByteRange } from '../../http/byte-range.js';
import { userContentPolicy } from '../../middleware/browser-security.js';
import { type VideoService, videoContentType } from '../../video/video-service.js';
import { readImageInput, uploadBodyLimit } from '../image-input.js';
import { decodeCursor, encodeCursor } from '../list-cursor.js';
import {
  deleteVideoRoute,
  getAnnotatedVideoRoute,
  getVideoFileRoute,
  getVideoRoute,
  listFramesRoute,
  listTracksRoute,
  listVideosRoute,
  uploadVideoRoute,
} from './routes.js';
import { toFrame, toTrack, toVideo } from './schemas.js';

export interface VideosRouterDependencies {
  service: VideoService;
  videos: VideoRepository;
  fetcher: UrlFetcher;
  maxVideoBytes: number;
}

export function videosRouter(deps: VideosRouterDependencies) {
  const router = createRouter();

  const found = async (videoId: string) => {
    const video = await deps.videos.find(videoId);
    if (!video) throw new ApiError(404, `video ${videoId} not found`);
    return video;
  };

  router.openapi(uploadVideoRoute(uploadBodyLimit(deps.maxVideoBytes)), async (c) => {
    const query = c.req.valid('query');
    const input = await readImageInput(c.req, {
      maxUploadBytes: deps.maxVideoBytes,
      fetcher: deps.fetcher,
      noun: 'video',
    });
    const stored = await deps.service.upload(input, {
      model: query.model,
      scoreThreshold: query.score_threshold,
      fps: query.fps,
      everyNthFrame: query.every_nth_frame,
    });
    const statusUrl = `/jobs/${stored.job.id}`;
    c.header('Location', statusUrl);
    return c.json(
      { video_id: stored.video.id, job_id: stored.job.id, status_url: statusUrl, video: toVideo(stored) },
      202,
    );
  });

  router.openapi(listVideosRoute, async (c) => {
    const { limit, cursor } = c.req.valid('query');
    const page = await deps.videos.list(limit, cursor === undefined ? null : decodeCursor(cursor));
    return c.json(
      { videos: page.items.map(toVideo), next_cursor: page.next ? encodeCursor(page.next) : null },
      200,
    );
  });

  router.openapi(getVideoRoute, async (c) => {
    const { video_id } = c.req.valid('param');
    return c.json(toVideo(await found(video_id)), 200);
  });

  const serveWithRanges = (c: Context, bytes: Uint8Array<ArrayBuffer>, contentType: string, etag: string) => {
    const headers = {
      'Content-Type': contentType,
      'Accept-Ranges': 'bytes',
      ETag: etag,
      'Cache-Control': 'private, max-age=31536000, immutable',
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': userContentPolicy,
    };
    const range = parseByteRange(c.req.header('range'), bytes.byteLength);
    if (!range) return c.body(bytes, 200, headers);
    return c.body(bytes.subarray(range.start, range.end + 1), 206, {
      ...headers,
      'Content-Range': `bytes ${range.start}-${range.end}/${bytes.byteLength}`,
    });
  };

  router.openapi(getVideoFileRoute, async (c) => {
    const { video_id } = c.req.valid('param');
    const { video } = await found(video_id);
    const bytes = await deps.service.readBlob(video);
    return serveWithRanges(c, bytes, videoContentType(video.container), `"${video.id}"`);
  });

  router.openapi(getAnnotatedVideoRoute, async (c) => {
    const { video_id } = c.req.valid('param');
    const { bytes } = await deps.service.annotated(video_id);
    return serveWithRanges(c, bytes, 'video/mp4', `"${video_id}-annotated"`);
  });

  router.openapi(deleteVideoRoute, async (c) => {
    const { video_id } = c.req.valid('param');
    await deps.service.delete(video_id);
    return c.body(null, 204);
  });

  router.openapi(listFramesRoute, async (c) => {
    const { video_id } = c.req.valid('param');
    const { from, to, limit } = c.req.valid('query');
    if (from !== undefined && to !== undefined && from > to)
      throw new ApiError(400, 'invalid query: from must not be after to');
    await found(video_id);
    const rows = await deps.videos.listFrames(video_id, {
      fromMs: from === undefined ? undefined : Math.round(from * 1000),
      toMs: to === undefined ? undefined : Math.round(to * 1000),
      limit,
    });
    return c.json({ video_id, frames: rows.map(toFrame) }, 200);
  });

  router.openapi(listTracksRoute, async (c) => {
    const { video_id } = c.req.valid('param');
    await found(video_id);
    return c.json({ video_id, tracks: (await deps.videos.listTracks(video_id)).map(toTrack) }, 200);
  });

  return router;
}
