/** Response shapes of the backend's public API (CONTRACTS.md, issue 4). Field names are fixed by the API. */

export type BBox = [x_min: number, y_min: number, x_max: number, y_max: number];

export interface ModelRef {
  name: string;
  version: string;
}

/** One detected object. `centroid`, `radius` and `class_id` are absent from list endpoints and loaded on demand. */
export interface DetectedObject {
  object_id: string;
  bbox: BBox;
  label: string;
  score: number;
  centroid?: [number, number];
  radius?: number;
  class_id?: number;
}

export interface ObjectDetails extends DetectedObject {
  centroid: [number, number];
  radius: number;
  class_id: number;
}

export type ImageStatus = 'completed' | 'failed' | 'pending' | (string & {});

/** An image as returned by `POST /images`, `GET /images/{id}` and the history list. */
export interface ImageRecord {
  image_id: string;
  filename: string;
  content_type: string;
  width: number;
  height: number;
  size_bytes: number;
  created_at: string;
  status: ImageStatus;
  /** Why detection failed, for status "failed". */
  error: string | null;
  /** The URL the image was fetched from, for URL uploads. */
  source_url: string | null;
  model: ModelRef | null;
  /** Number of stored objects (from `detection.count` or the list's object count). */
  object_count: number | null;
  /** Present when the response carried the detections themselves (upload, re-run, detect). */
  detections: DetectedObject[] | null;
}

export interface ImagePage {
  images: ImageRecord[];
  next_cursor: string | null;
}

export interface ObjectList {
  image_id: string;
  count: number;
  objects: DetectedObject[];
}

export type ModelServerStatus = 'ready' | 'cold' | 'unavailable' | 'skipped';

export interface ReadyReport {
  status: string;
  checks: {
    database?: { status?: string } & Record<string, unknown>;
    storage?: { status?: string } & Record<string, unknown>;
    model_server?: { status?: ModelServerStatus | (string & {}) } & Record<string, unknown>;
  } & Record<string, unknown>;
}

export interface ModelInfo {
  name: string;
  version: string | null;
  state: string | null;
  reason: string | null;
}

export interface ModelList {
  /** The model the backend uses when a request names none (`DEFAULT_MODEL`). */
  defaultModel: string | null;
  models: ModelInfo[];
}

export interface DetectOptions {
  /** Model name; empty or undefined = the backend's default model. */
  model?: string | undefined;
  scoreThreshold?: number | null | undefined;
}

/** A video detection job's state (`GET /jobs/{id}`); `queued` and `running` are the unfinished ones. */
export type JobState = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled' | (string & {});

export interface VideoJob {
  job_id: string;
  video_id: string;
  state: JobState;
  model: string;
  score_threshold: number | null;
  frames_done: number;
  /** Expected until the job completes, then exact. */
  frames_total: number;
  elapsed_s: number | null;
  /** Estimated seconds left, from the pace so far (the backend's estimate). */
  eta_s: number | null;
  attempts: number;
  error: string | null;
}

/** A video as `GET /videos/{id}` and the list answer it. */
export interface VideoRecord {
  video_id: string;
  filename: string;
  content_type: string;
  size_bytes: number;
  codec: string;
  width: number;
  height: number;
  fps: number;
  duration_s: number;
  frame_count: number;
  created_at: string;
  status: JobState;
  job: VideoJob;
}

/** `POST /videos` (202): the stored video and the job that detects its frames. */
export interface VideoAccepted {
  video_id: string;
  job_id: string;
  video: VideoRecord;
}

export interface VideoPage {
  videos: VideoRecord[];
  next_cursor: string | null;
}

export interface FrameObject {
  object_id: string;
  bbox: BBox;
  label: string;
  score: number;
  /** Set once the job has completed. */
  track_id: number | null;
}

/** One sampled frame: its position among the sampled frames, its time in the video (s) and its objects. */
export interface VideoFrame {
  index: number;
  timestamp: number;
  objects: FrameObject[];
}

export interface VideoTrack {
  track_id: number;
  label: string;
  first_timestamp: number;
  last_timestamp: number;
  frames_seen: number;
  best_score: number;
}

export interface VideoUploadOptions extends DetectOptions {
  /** Frames sampled per second of video; undefined = the backend's default (`VIDEO_DEFAULT_FPS`). */
  fps?: number | undefined;
}

export type DeploymentState = 'ready' | 'scaled_to_zero' | 'deploying' | 'failed' | 'deleting';

/** A model deployment (`GET /deployments`, admin token), named after its model. */
export interface Deployment {
  name: string;
  model: string;
  target: 'local' | 'kubernetes';
  state: DeploymentState;
  versions: {
    stable: string | null;
    canary: string | null;
    rolling_out: string | null;
    previous: string | null;
  };
  traffic: { version: string; percent: number }[];
  replicas: { current: number | null; min: number; max: number; scaling: 'applies' | 'not_applicable' };
  target_concurrency: number;
  url: string | null;
  last_transition_time: string;
  failure_reason: string | null;
  message: string;
  generation: number;
}

export interface DeploymentList {
  target: 'local' | 'kubernetes';
  deployments: Deployment[];
}

/** The body of `POST /deployments`: deploy, scale, or start a canary. */
export interface DeployRequest {
  model: string;
  version: string;
  min_replicas: number;
  max_replicas: number;
  target_concurrency: number;
  canary_percent?: number;
}
