import type { Context } from 'hono';
import { endTime } from 'hono/timing';
import { createRouter } from '../../app-env.js';
import type { ImageRepository } from '../../db/image-repository.js';
import { ApiError } from '../../errors.js';
import type { UrlFetcher } from '../../fetch/url-fetcher.js';
import { annotateImage } from '../../images/annotate.js';
import { type SupportedFormat, sniffImageFormat } from '../../images/image-format.js';
import type { ImageService, UploadResult } from '../../images/image-service.js';
import { userContentPolicy } from '../../middleware/browser-security.js';
import { clientKeyOf } from '../client-key.js';
import { readImageInput, uploadBodyLimit } from '../image-input.js';
import { decodeCursor, encodeCursor } from '../list-cursor.js';
import { toDetectionList, toImage, toObjectSummary } from '../schemas.js';
import { reportTimings } from '../server-timing.js';
import {
  deleteImageRoute,
  getAnnotatedImageRoute,
  getImageFileRoute,
  getImageRoute,
  listImagesRoute,
  redetectRoute,
  uploadImageRoute,
} from './routes.js';

export interface ImagesRouterDependencies {
  service: ImageService;
  repository: ImageRepository;
  fetcher: UrlFetcher;
  maxUploadBytes: number;
  maxImagePixels: number;
  annotatedMaxSide: number;
}

function withDetections(result: UploadResult) {
  return { ...toImage(result), detection: toDetectionList(result.objects) };
}

function notModified(c: Context, etag: string): boolean {
  c.header('ETag', etag);
  return c.req.header('if-none-match') === etag;
}

export function imagesRouter(deps: ImagesRouterDependencies) {
  const router = createRouter();

  router.openapi(uploadImageRoute(uploadBodyLimit(deps.maxUploadBytes)), async (c) => {
    const query = c.req.valid('query');
    const input = await readImageInput(c.req, deps);
    endTime(c, 'receive');
    const result = await deps.service.upload(
      input,
      {
        model: query.model,
        scoreThreshold: query.score_threshold,
        clientKey: clientKeyOf(c, c.req.valid('header')['x-client-id']),
      },
      c.get('requestId'),
    );
    reportTimings(c, result.timings);
    c.header('Location', `/images/${result.image.id}`);
    return c.json(withDetections(result), 201);
  });

  router.openapi(listImagesRoute, async (c) => {
    const { limit, cursor, label, status, created_after, created_before } = c.req.valid('query');
    if (created_after !== undefined && created_before !== undefined && created_after >= created_before)
      throw new ApiError(400, 'invalid query: created_after must be earlier than created_before');
    const filter = { label, status, createdAfter: created_after, createdBefore: created_before };
    const [page, total] = await Promise.all([
      deps.repository.list({ ...filter, limit, after: cursor === undefined ? null : decodeCursor(cursor) }),
      deps.repository.count(filter),
    ]);
    return c.json(
      { images: page.items.map(toImage), next_cursor: page.next ? encodeCursor(page.next) : null, total },
      200,
    );
  });

  router.openapi(getImageRoute, async (c) => {
    const { image_id } = c.req.valid('param');
    const found = await deps.repository.find(image_id);
    if (!found) throw new ApiError(404, `image ${image_id} not found`);
    return c.json(toImage(found), 200);
  });

  router.openapi(getImageFileRoute, async (c) => {
    const { image_id } = c.req.valid('param');
    const found = await deps.repository.find(image_id);
    if (!found) throw new ApiError(404, `image ${image_id} not found`);
    if (notModified(c, `"${image_id}"`)) return c.body(null, 304);
    const bytes = await deps.service.readBlob(found.image);
    return c.body(bytes, 200, {
      'Content-Type': found.image.contentType,
      'Content-Disposition': `inline; filename*=UTF-8''${encodeURIComponent(found.image.filename)}`,
      'Cache-Control': 'private, max-age=31536000, immutable',
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': userContentPolicy,
    });
  });

  router.openapi(getAnnotatedImageRoute, async (c) => {
    const { image_id } = c.req.valid('param');
    const found = await deps.repository.find(image_id);
    if (!found) throw new ApiError(404, `image ${image_id} not found`);
    if (notModified(c, `"${image_id}-${found.image.currentRunId ?? 'none'}"`)) return c.body(null, 304);
    const bytes = await deps.service.readBlob(found.image);
    const boxes = (await deps.repository.listObjects(image_id, {})).map(toObjectSummary);
    const format = sniffImageFormat(bytes) as SupportedFormat;
    const annotated = await annotateImage(bytes, format, found.image, boxes, {
      maxPixels: deps.maxImagePixels,
      maxSide: deps.annotatedMaxSide,
    });
    return c.body(new Uint8Array(annotated), 200, {
      'Content-Type': found.image.contentType,
      'Cache-Control': 'private, no-cache',
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': userContentPolicy,
    });
  });

  router.openapi(deleteImageRoute, async (c) => {
    const { image_id } = c.req.valid('param');
    await deps.service.delete(image_id);
    return c.body(null, 204);
  });

  router.openapi(redetectRoute, async (c) => {
    const { image_id } = c.req.valid('param');
    const query = c.req.valid('query');
    const result = await deps.service.redetect(
      image_id,
      {
        model: query.model,
        scoreThreshold: query.score_threshold,
        clientKey: clientKeyOf(c, c.req.valid('header')['x-client-id']),
      },
      c.get('requestId'),
    );
    reportTimings(c, result.timings);
    return c.json(withDetections(result), 200);
  });

  return router;
}
