import { list, num, optionalNum, optionalStr, record, str } from './json-fields.js';
import { parseBBox } from './parse.js';
import type {
  FrameObject,
  VideoAccepted,
  VideoFrame,
  VideoJob,
  VideoPage,
  VideoRecord,
  VideoTrack,
} from './types.js';

export function parseVideoJob(value: unknown, what = 'job'): VideoJob {
  const source = record(value, what);
  return {
    job_id: str(source, 'job_id', what),
    video_id: str(source, 'video_id', what),
    state: str(source, 'state', what),
    model: optionalStr(source, 'model') ?? '',
    score_threshold: optionalNum(source, 'score_threshold'),
    frames_done: num(source, 'frames_done', what),
    frames_total: num(source, 'frames_total', what),
    elapsed_s: optionalNum(source, 'elapsed_s'),
    eta_s: optionalNum(source, 'eta_s'),
    attempts: optionalNum(source, 'attempts') ?? 0,
    error: optionalStr(source, 'error'),
  };
}

export function parseVideoRecord(value: unknown, what = 'video'): VideoRecord {
  const source = record(value, what);
  return {
    video_id: str(source, 'video_id', what),
    filename: optionalStr(source, 'filename') ?? '',
    content_type: optionalStr(source, 'content_type') ?? '',
    size_bytes: optionalNum(source, 'size_bytes') ?? 0,
    codec: optionalStr(source, 'codec') ?? '',
    width: num(source, 'width', what),
    height: num(source, 'height', what),
    fps: num(source, 'fps', what),
    duration_s: num(source, 'duration_s', what),
    frame_count: optionalNum(source, 'frame_count') ?? 0,
    created_at: optionalStr(source, 'created_at') ?? '',
    status: str(source, 'status', what),
    job: parseVideoJob(source.job, `${what}.job`),
  };
}

export function parseVideoAccepted(value: unknown): VideoAccepted {
  const source = record(value, 'upload answer');
  return {
    video_id: str(source, 'video_id', 'upload answer'),
    job_id: str(source, 'job_id', 'upload answer'),
    video: parseVideoRecord(source.video, 'upload answer.video'),
  };
}

export function parseVideoPage(value: unknown): VideoPage {
  const source = record(value, 'video list');
  const cursor = source.next_cursor;
  return {
    videos: list(source, 'videos', 'video list').map((item, index) =>
      parseVideoRecord(item, `videos[${index}]`),
    ),
    next_cursor: typeof cursor === 'string' && cursor !== '' ? cursor : null,
  };
}

function parseFrameObject(value: unknown, what: string): FrameObject {
  const source = record(value, what);
  const track = source.track_id;
  return {
    object_id: str(source, 'object_id', what),
    bbox: parseBBox(source.bbox, `${what}.bbox`),
    label: str(source, 'label', what),
    score: num(source, 'score', what),
    track_id: typeof track === 'number' && Number.isInteger(track) ? track : null,
  };
}

/** `GET /videos/{id}/frames`: the frames in the order stored (by index, so by timestamp). */
export function parseVideoFrames(value: unknown): VideoFrame[] {
  const source = record(value, 'frame list');
  return list(source, 'frames', 'frame list').map((item, index) => {
    const what = `frames[${index}]`;
    const frame = record(item, what);
    return {
      index: num(frame, 'index', what),
      timestamp: num(frame, 'timestamp', what),
      objects: list(frame, 'objects', what).map((object, n) =>
        parseFrameObject(object, `${what}.objects[${n}]`),
      ),
    };
  });
}

/** `GET /videos/{id}/tracks` (the box path of each track is not needed by the page and is left out). */
export function parseVideoTracks(value: unknown): VideoTrack[] {
  const source = record(value, 'track list');
  return list(source, 'tracks', 'track list').map((item, index) => {
    const what = `tracks[${index}]`;
    const track = record(item, what);
    return {
      track_id: num(track, 'track_id', what),
      label: str(track, 'label', what),
      first_timestamp: num(track, 'first_timestamp', what),
      last_timestamp: num(track, 'last_timestamp', what),
      frames_seen: num(track, 'frames_seen', what),
      best_score: num(track, 'best_score', what),
    };
  });
}
