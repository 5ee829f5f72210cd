import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { startTime } from 'hono/timing';
import { ApiError } from '../errors.js';
import type { UrlFetcher } from '../fetch/url-fetcher.js';
import { filenameFromUrlSegment, validateUploadFilename } from '../images/filename.js';
import type { ImageInput } from '../images/image-service.js';

/** Room for multipart boundaries and part headers on top of the file itself. */
const multipartOverheadBytes = 64 * 1024;

/**
 * Refuses bodies larger than an upload could be before anything is parsed or buffered, and starts the `receive`
 * Server-Timing metric (body transfer, multipart parsing, URL fetch) that the handler ends.
 */
export function uploadBodyLimit(maxUploadBytes: number): MiddlewareHandler {
  const limit = bodyLimit({
    maxSize: maxUploadBytes + multipartOverheadBytes,
    onError: () => {
      throw new ApiError(413, `the request body is larger than the ${maxUploadBytes}-byte upload limit`);
    },
  });
  return async function uploadBodyLimit(c, next) {
    startTime(c, 'receive', 'request body, multipart parsing or URL fetch');
    return limit(c, next);
  };
}

/** The parts of a request validated against `ImageUploadBodySchema` that the image is read from. */
export interface UploadRequest {
  /** The validated multipart body (`{}` when the request was not multipart). */
  valid(target: 'form'): object;
  /** The validated JSON body (`{}` when the request was not JSON). */
  valid(target: 'json'): object;
  header(name: string): string | undefined;
  /** Hono keeps the raw body it parsed here for the request's lifetime; an upload drops it once parsed. */
  bodyCache: { arrayBuffer?: ArrayBuffer | Promise<ArrayBuffer> | undefined };
}

export interface ImageInputOptions {
  maxUploadBytes: number;
  fetcher: UrlFetcher;
  /** What is uploaded, in the messages ("image" unless said otherwise). */
  noun?: string;
}

/** Fetches the image at `url` under the fetcher's address policy (http/https, no private ranges, size and time caps). */
export async function readImageFromUrl(url: string, fetcher: UrlFetcher): Promise<ImageInput> {
  const fetched = await fetcher.fetch(url);
  if (fetched.bytes.byteLength === 0) throw new ApiError(400, 'the URL returned an empty body');
  return {
    bytes: fetched.bytes,
    filename: filenameFromUrlSegment(fetched.filename),
    sourceUrl: fetched.finalUrl.toString(),
  };
}

/** Reads the image from a validated multipart `file` field or fetches it from a JSON `url`. */
export async function readImageInput(
  req: UploadRequest,
  { maxUploadBytes, fetcher, noun = 'image' }: ImageInputOptions,
): Promise<ImageInput> {
  const contentType = req.header('content-type')?.toLowerCase() ?? '';
  if (
    contentType.startsWith('multipart/form-data') ||
    contentType.startsWith('application/x-www-form-urlencoded')
  ) {
    const file = (req.valid('form') as { file?: File }).file;
    if (!file) throw new ApiError(400, 'the multipart field "file" is missing');
    if (file.size === 0) throw new ApiError(400, 'the uploaded file is empty (0 bytes)');
    if (file.size > maxUploadBytes) {
      throw new ApiError(
        413,
        `the file is ${file.size} bytes, more than the ${maxUploadBytes}-byte upload limit`,
      );
    }
    const filename = validateUploadFilename(file.name ?? '');
    // The multipart body was parsed into `file`: the raw copy is not needed while the upload is processed.
    req.bodyCache.arrayBuffer = undefined;
    return { bytes: new Uint8Array(await file.arrayBuffer()), filename };
  }
  const url = (req.valid('json') as { url?: string }).url;
  if (url !== undefined) return readImageFromUrl(url, fetcher);
  if (contentType.startsWith('application/json'))
    throw new ApiError(400, 'the JSON body needs a "url" field');
  throw new ApiError(
    400,
    `send the ${noun} as multipart/form-data with a "file" field, or as JSON {"url": "https://…"}`,
  );
}
