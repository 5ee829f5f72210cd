import { ApiError, apiErrorFromException, apiErrorFromResponse } from './errors.js';
import {
  parseDeployment,
  parseDeploymentList,
  parseImagePage,
  parseImageRecord,
  parseModelList,
  parseObjectDetails,
  parseObjectList,
  parseReadyReport,
} from './parse.js';
import { ServerSentEventParser } from './sse.js';
import type {
  Deployment,
  DeploymentList,
  DeployRequest,
  DetectOptions,
  ImagePage,
  ImageRecord,
  ModelList,
  ObjectDetails,
  ObjectList,
  ReadyReport,
  VideoAccepted,
  VideoFrame,
  VideoJob,
  VideoPage,
  VideoRecord,
  VideoTrack,
  VideoUploadOptions,
} from './types.js';
import {
  parseVideoAccepted,
  parseVideoFrames,
  parseVideoJob,
  parseVideoPage,
  parseVideoRecord,
  parseVideoTracks,
} from './video-parse.js';

export interface ApiClientOptions {
  /** Origin (and optional path prefix) of the backend; '' = the page's own origin. */
  baseUrl?: string;
  /** Read on every request so a token typed in later applies at once. */
  getToken?: () => string | null;
  fetch?: typeof globalThis.fetch;
  /** Sent as `X-Client-Id`: during a canary the backend gives one client one model version. */
  clientId?: string;
}

type Query = Record<string, string | number | undefined | null>;

interface RequestOptions {
  method?: string;
  query?: Query;
  body?: BodyInit | null;
  json?: unknown;
  signal?: AbortSignal | undefined;
  /** Also accept these statuses as success (e.g. 404 on delete of an already-deleted image). */
  acceptStatus?: number[];
}

/** Typed client for the backend's public API (CONTRACTS.md / issue 4). */
export class ApiClient {
  readonly baseUrl: string;
  readonly #getToken: () => string | null;
  readonly #fetch: typeof globalThis.fetch;
  readonly #clientId: string | null;

  constructor(options: ApiClientOptions = {}) {
    this.#clientId = options.clientId ?? null;
    this.baseUrl = (options.baseUrl ?? '').replace(/\/+$/, '');
    this.#getToken = options.getToken ?? (() => null);
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /** Absolute or origin-relative URL of an API path with its query. */
  url(path: string, query: Query = {}): string {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
    }
    const search = params.toString();
    return `${this.baseUrl}${path}${search ? `?${search}` : ''}`;
  }

  get hasToken(): boolean {
    return Boolean(this.#getToken());
  }

  async #send(action: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const headers = new Headers({ accept: 'application/json' });
    const token = this.#getToken();
    if (token) headers.set('authorization', `Bearer ${token}`);
    if (this.#clientId) headers.set('x-client-id', this.#clientId);
    let body = options.body ?? null;
    if (options.json !== undefined) {
      headers.set('content-type', 'application/json');
      body = JSON.stringify(options.json);
    }
    let response: Response;
    try {
      response = await this.#fetch(this.url(path, options.query), {
        method: options.method ?? 'GET',
        headers,
        body,
        signal: options.signal ?? null,
      });
    } catch (error) {
      throw apiErrorFromException(error, action, this.baseUrl);
    }
    if (!response.ok && !options.acceptStatus?.includes(response.status)) {
      throw await apiErrorFromResponse(response, action, Boolean(token));
    }
    return response;
  }

  async #json<T>(action: string, path: string, parse: (body: unknown) => T, options?: RequestOptions) {
    const response = await this.#send(action, path, options);
    try {
      return parse(await response.json());
    } catch (error) {
      throw apiErrorFromException(error, action, this.baseUrl);
    }
  }

  /**
   * `GET /ready`: answers 200 or 503 with the same report, so both are a report, not an error. With
   * `askModelServer: false` the backend does not probe the model server, so polling does not keep a
   * scaled-to-zero predictor awake.
   */
  ready(options: { askModelServer?: boolean } = {}, signal?: AbortSignal): Promise<ReadyReport> {
    return this.#json('Checking readiness', '/ready', parseReadyReport, {
      query: { model_server: options.askModelServer === false ? 'false' : undefined },
      signal,
      acceptStatus: [503],
    });
  }

  models(signal?: AbortSignal): Promise<ModelList> {
    return this.#json('Loading models', '/models', parseModelList, { signal });
  }

  listImages(
    page: { limit?: number; cursor?: string | null } = {},
    signal?: AbortSignal,
  ): Promise<ImagePage> {
    return this.#json('Loading history', '/images', parseImagePage, {
      query: { limit: page.limit, cursor: page.cursor },
      signal,
    });
  }

  getImage(imageId: string, signal?: AbortSignal): Promise<ImageRecord> {
    return this.#json('Opening the image', `/images/${encodeURIComponent(imageId)}`, parseImageRecord, {
      signal,
    });
  }

  getObjects(
    imageId: string,
    filter: { label?: string; minScore?: number } = {},
    signal?: AbortSignal,
  ): Promise<ObjectList> {
    return this.#json('Loading objects', `/images/${encodeURIComponent(imageId)}/objects`, parseObjectList, {
      query: { label: filter.label, min_score: filter.minScore },
      signal,
    });
  }

  getObject(imageId: string, objectId: string, signal?: AbortSignal): Promise<ObjectDetails> {
    return this.#json(
      'Loading object details',
      `/images/${encodeURIComponent(imageId)}/objects/${encodeURIComponent(objectId)}`,
      parseObjectDetails,
      { signal },
    );
  }

  /**
   * `POST /images` with a file (multipart field `file`). With `onProgress` it is sent with XMLHttpRequest, the
   * only browser API that reports upload progress (0..1 of the bytes sent).
   */
  async uploadFile(
    file: Blob,
    filename: string,
    options: DetectOptions = {},
    signal?: AbortSignal,
    onProgress?: (sent: number) => void,
  ): Promise<ImageRecord> {
    const form = new FormData();
    form.append('file', file, filename);
    if (!onProgress) {
      return this.#json('Upload', '/images', parseImageRecord, {
        method: 'POST',
        body: form,
        query: detectQuery(options),
        signal,
      });
    }
    return this.#postWithProgress(
      'Upload',
      this.url('/images', detectQuery(options)),
      form,
      parseImageRecord,
      {
        signal,
        onProgress,
      },
    );
  }

  async #postWithProgress<T>(
    action: string,
    url: string,
    form: FormData,
    parse: (body: unknown) => T,
    options: { signal: AbortSignal | undefined; onProgress: (sent: number) => void },
  ): Promise<T> {
    const token = this.#getToken();
    const response = await sendWithProgress(url, form, {
      token,
      clientId: this.#clientId,
      ...options,
    }).catch((error: unknown) => {
      throw apiErrorFromException(error, action, this.baseUrl);
    });
    if (!response.ok) throw await apiErrorFromResponse(response, action, Boolean(token));
    try {
      return parse(await response.json());
    } catch (error) {
      throw apiErrorFromException(error, action, this.baseUrl);
    }
  }

  /** `POST /images` with `{"url": ...}`: the backend fetches the image. */
  uploadUrl(url: string, options: DetectOptions = {}, signal?: AbortSignal): Promise<ImageRecord> {
    return this.#json('Upload from URL', '/images', parseImageRecord, {
      method: 'POST',
      json: { url },
      query: detectQuery(options),
      signal,
    });
  }

  /** `POST /images/{id}/detections`: detect again, replacing the stored objects. */
  rerunDetection(imageId: string, options: DetectOptions = {}, signal?: AbortSignal): Promise<ImageRecord> {
    return this.#json(
      'Re-running detection',
      `/images/${encodeURIComponent(imageId)}/detections`,
      parseImageRecord,
      { method: 'POST', query: detectQuery(options), signal },
    );
  }

  async deleteImage(imageId: string, signal?: AbortSignal): Promise<void> {
    const response = await this.#send('Delete', `/images/${encodeURIComponent(imageId)}`, {
      method: 'DELETE',
      signal,
    });
    await response.body?.cancel();
  }

  /** `GET /deployments` (admin): every model deployment with its state. */
  listDeployments(signal?: AbortSignal): Promise<DeploymentList> {
    return this.#json('Loading deployments', '/deployments', parseDeploymentList, { signal });
  }

  /** `POST /deployments`: deploy a version, change scaling, or start a canary. */
  deploy(request: DeployRequest, signal?: AbortSignal): Promise<Deployment> {
    return this.#json(`Deploying ${request.model}`, '/deployments', parseDeployment, {
      method: 'POST',
      json: request,
      signal,
    });
  }

  promoteDeployment(name: string, signal?: AbortSignal): Promise<Deployment> {
    return this.#json(
      `Promoting ${name}`,
      `/deployments/${encodeURIComponent(name)}/promote`,
      parseDeployment,
      {
        method: 'POST',
        signal,
      },
    );
  }

  rollbackDeployment(name: string, signal?: AbortSignal): Promise<Deployment> {
    return this.#json(
      `Rolling back ${name}`,
      `/deployments/${encodeURIComponent(name)}/rollback`,
      parseDeployment,
      {
        method: 'POST',
        signal,
      },
    );
  }

  async deleteDeployment(name: string, signal?: AbortSignal): Promise<void> {
    const response = await this.#send(`Deleting ${name}`, `/deployments/${encodeURIComponent(name)}`, {
      method: 'DELETE',
      signal,
    });
    await response.body?.cancel();
  }

  /** URL of the original bytes (`file`) or the server-drawn picture with boxes (`annotated`). */
  imageUrl(imageId: string, variant: ImageVariant = 'file'): string {
    return this.url(imagePath(imageId, variant));
  }

  /** Fetches an image's bytes with the token attached (a plain <img src> cannot send one). */
  async imageBlob(imageId: string, variant: ImageVariant = 'file', signal?: AbortSignal): Promise<Blob> {
    const response = await this.#send('Loading the image', imagePath(imageId, variant), { signal });
    return response.blob();
  }

  /**
   * `POST /videos` with a file, sent with XMLHttpRequest for its upload progress (0..1 of the bytes sent). The
   * answer (202) names the video and the job that detects its frames.
   */
  uploadVideoFile(
    file: Blob,
    filename: string,
    options: VideoUploadOptions,
    onProgress: (sent: number) => void,
    signal?: AbortSignal,
  ): Promise<VideoAccepted> {
    const form = new FormData();
    form.append('file', file, filename);
    return this.#postWithProgress(
      'Video upload',
      this.url('/videos', videoQuery(options)),
      form,
      parseVideoAccepted,
      {
        signal,
        onProgress,
      },
    );
  }

  /** `POST /videos` with `{"url": ...}`: the backend fetches the video. */
  uploadVideoUrl(url: string, options: VideoUploadOptions, signal?: AbortSignal): Promise<VideoAccepted> {
    return this.#json('Video upload from URL', '/videos', parseVideoAccepted, {
      method: 'POST',
      json: { url },
      query: videoQuery(options),
      signal,
    });
  }

  listVideos(
    page: { limit?: number; cursor?: string | null } = {},
    signal?: AbortSignal,
  ): Promise<VideoPage> {
    return this.#json('Loading videos', '/videos', parseVideoPage, {
      query: { limit: page.limit, cursor: page.cursor },
      signal,
    });
  }

  getVideo(videoId: string, signal?: AbortSignal): Promise<VideoRecord> {
    return this.#json('Opening the video', videoPath(videoId), parseVideoRecord, { signal });
  }

  /** Every stored frame, in order: pages of `GET /videos/{id}/frames` from the last timestamp on. */
  async videoFrames(videoId: string, signal?: AbortSignal): Promise<VideoFrame[]> {
    const limit = 10_000;
    const frames: VideoFrame[] = [];
    let from = 0;
    for (;;) {
      const page = await this.#json('Loading the frames', `${videoPath(videoId)}/frames`, parseVideoFrames, {
        query: { from, limit },
        signal,
      });
      const last = frames.at(-1)?.index ?? -1;
      frames.push(...page.filter((frame) => frame.index > last));
      if (page.length < limit) return frames;
      from = page.at(-1)!.timestamp;
    }
  }

  videoTracks(videoId: string, signal?: AbortSignal): Promise<VideoTrack[]> {
    return this.#json('Loading the tracks', `${videoPath(videoId)}/tracks`, parseVideoTracks, { signal });
  }

  async deleteVideo(videoId: string, signal?: AbortSignal): Promise<void> {
    const response = await this.#send('Delete', videoPath(videoId), { method: 'DELETE', signal });
    await response.body?.cancel();
  }

  getJob(jobId: string, signal?: AbortSignal): Promise<VideoJob> {
    return this.#json('Checking the job', `/jobs/${encodeURIComponent(jobId)}`, parseVideoJob, { signal });
  }

  /** `DELETE /jobs/{id}`: stops a queued or running job; answers the cancelled job. */
  cancelJob(jobId: string, signal?: AbortSignal): Promise<VideoJob> {
    return this.#json('Cancelling the job', `/jobs/${encodeURIComponent(jobId)}`, parseVideoJob, {
      method: 'DELETE',
      signal,
    });
  }

  /**
   * `GET /jobs/{id}/events`, read with fetch (EventSource cannot send the token): calls `onJob` for each `job`
   * event and resolves when the stream ends (the job has finished). Throws when the stream cannot be read, so the
   * caller can fall back to polling `getJob`.
   */
  async followJobEvents(jobId: string, onJob: (job: VideoJob) => void, signal?: AbortSignal): Promise<void> {
    const response = await this.#send('Following the job', `/jobs/${encodeURIComponent(jobId)}/events`, {
      signal,
    });
    if (!response.body || !response.headers.get('content-type')?.includes('text/event-stream')) {
      await response.body?.cancel();
      throw new ApiError({
        kind: 'unexpected_response',
        status: response.status,
        title: 'Following the job failed: the backend did not answer with an event stream.',
        detail: null,
      });
    }
    const parser = new ServerSentEventParser();
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        for (const event of parser.push(value)) {
          if (event.event === 'job') onJob(parseVideoJob(JSON.parse(event.data)));
          else if (event.event === 'error')
            throw new ApiError({
              kind: 'not_found',
              status: 0,
              title: 'The job is gone (the video may have been deleted).',
              detail: null,
            });
        }
      }
    } catch (error) {
      throw apiErrorFromException(error, 'Following the job', this.baseUrl);
    } finally {
      reader.releaseLock();
    }
  }

  /** URL of a video's uploaded bytes (`file`) or of the MP4 with the boxes drawn by the backend (`annotated`). */
  videoUrl(videoId: string, variant: VideoVariant = 'file'): string {
    return this.url(`${videoPath(videoId)}/${variant}`);
  }

  /** Fetches a video's bytes with the token attached (a plain <video src> cannot send one). */
  async videoBlob(videoId: string, variant: VideoVariant = 'file', signal?: AbortSignal): Promise<Blob> {
    const response = await this.#send('Loading the video', `${videoPath(videoId)}/${variant}`, { signal });
    return response.blob();
  }
}

export type VideoVariant = 'file' | 'annotated';

export type ImageVariant = 'file' | 'annotated';

/** A POST with XMLHttpRequest, for its upload progress events; answers a fetch-style Response. */
function sendWithProgress(
  url: string,
  body: FormData,
  options: {
    token: string | null;
    clientId: string | null;
    signal: AbortSignal | undefined;
    onProgress: (sent: number) => void;
  },
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    const abort = () => request.abort();
    request.open('POST', url);
    request.setRequestHeader('accept', 'application/json');
    if (options.token) request.setRequestHeader('authorization', `Bearer ${options.token}`);
    if (options.clientId) request.setRequestHeader('x-client-id', options.clientId);
    request.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) options.onProgress(event.loaded / event.total);
    };
    request.upload.onload = () => options.onProgress(1);
    request.onload = () => {
      options.signal?.removeEventListener('abort', abort);
      resolve(
        new Response(request.status === 204 ? null : request.responseText, {
          status: request.status,
          headers: { 'content-type': request.getResponseHeader('content-type') ?? 'application/json' },
        }),
      );
    };
    request.onerror = () => reject(new TypeError('network error'));
    request.onabort = () => reject(new DOMException('The upload was cancelled.', 'AbortError'));
    if (options.signal?.aborted) return reject(new DOMException('The upload was cancelled.', 'AbortError'));
    options.signal?.addEventListener('abort', abort, { once: true });
    request.send(body);
  });
}

function imagePath(imageId: string, variant: ImageVariant): string {
  return `/images/${encodeURIComponent(imageId)}/${variant}`;
}

function videoPath(videoId: string): string {
  return `/videos/${encodeURIComponent(videoId)}`;
}

function videoQuery(options: VideoUploadOptions): Query {
  return { ...detectQuery(options), fps: options.fps };
}

function detectQuery(options: DetectOptions): Query {
  return {
    model: options.model || undefined,
    score_threshold: options.scoreThreshold,
  };
}
