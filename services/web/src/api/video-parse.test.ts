import {
  exampleAccepted,
  exampleFrames,
  exampleJob,
  exampleTracks,
  exampleVideo,
} from '@detection/backend/video-api-examples';
import { describe, expect, it } from 'vitest';
import { UnexpectedResponseError } from './json-fields.js';
import {
  parseVideoAccepted,
  parseVideoFrames,
  parseVideoJob,
  parseVideoPage,
  parseVideoTracks,
} from './video-parse.js';

// The backend's own OpenAPI examples (the answers for a 3 s pan sampled at 2 fps), parsed as the page parses them.
describe('video API parsing', () => {
  it('reads the upload answer and the job', () => {
    const accepted = parseVideoAccepted(exampleAccepted);
    expect(accepted.video_id).toBe(exampleAccepted.video_id);
    expect(accepted.job_id).toBe(exampleAccepted.job_id);
    expect(accepted.video.width).toBe(exampleVideo.width);
    const job = parseVideoJob(exampleJob);
    expect(job).toMatchObject({
      job_id: exampleJob.job_id,
      state: exampleJob.state,
      frames_done: exampleJob.frames_done,
      frames_total: exampleJob.frames_total,
      eta_s: exampleJob.eta_s,
    });
  });

  it('reads a page of videos and its cursor', () => {
    const page = parseVideoPage({ videos: [exampleVideo], next_cursor: 'abc' });
    expect(page.videos.map((video) => video.video_id)).toEqual([exampleVideo.video_id]);
    expect(page.videos[0]!.duration_s).toBe(exampleVideo.duration_s);
    expect(page.next_cursor).toBe('abc');
    expect(parseVideoPage({ videos: [], next_cursor: null }).next_cursor).toBeNull();
  });

  it('reads frames with their timestamps, boxes and track ids, and the tracks', () => {
    const frames = parseVideoFrames(exampleFrames);
    expect(frames.length).toBe(exampleFrames.frames.length);
    expect(frames.map((frame) => frame.timestamp)).toEqual(
      exampleFrames.frames.map((frame) => frame.timestamp),
    );
    expect(frames[0]!.objects[0]).toEqual({
      object_id: exampleFrames.frames[0]!.objects[0]!.object_id,
      bbox: exampleFrames.frames[0]!.objects[0]!.bbox,
      label: exampleFrames.frames[0]!.objects[0]!.label,
      score: exampleFrames.frames[0]!.objects[0]!.score,
      track_id: exampleFrames.frames[0]!.objects[0]!.track_id,
    });
    const tracks = parseVideoTracks(exampleTracks);
    expect(tracks[0]).toMatchObject({
      track_id: exampleTracks.tracks[0]!.track_id,
      label: exampleTracks.tracks[0]!.label,
      first_timestamp: exampleTracks.tracks[0]!.first_timestamp,
      frames_seen: exampleTracks.tracks[0]!.frames_seen,
    });
  });

  it('refuses answers that break the contract', () => {
    expect(() => parseVideoFrames({ frames: [{ index: 0, timestamp: 'x', objects: [] }] })).toThrow(
      UnexpectedResponseError,
    );
    expect(() => parseVideoJob({ ...exampleJob, frames_done: null })).toThrow(UnexpectedResponseError);
    expect(() => parseVideoTracks({})).toThrow(UnexpectedResponseError);
  });
});
