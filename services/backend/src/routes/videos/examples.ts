/**
 * Examples for the OpenAPI document: the answers for a 3 s pan over the shipped photo 000000000086.jpg (the test
 * video of video-jobs.e2e.test.ts) sampled at 2 fps, with the rider centernet-coco finds in every frame.
 */
export const EXAMPLE_VIDEO_ID = '45ab5e7c20d13252a620c0475229efeb2c0f53dd547fd5946a59f102db9ae8b6';
export const EXAMPLE_JOB_ID = '0d6f9a57-2b1e-4c8e-9f3a-5b7c1d2e3f40';

export const exampleJob = {
  job_id: EXAMPLE_JOB_ID,
  video_id: EXAMPLE_VIDEO_ID,
  state: 'running',
  model: 'centernet-coco',
  score_threshold: null,
  sampling: { fps: 2 },
  frames_done: 4,
  frames_total: 6,
  attempts: 1,
  created_at: '2026-12-05T23:58:10.118Z',
  started_at: '2026-12-05T23:58:10.131Z',
  finished_at: null,
  elapsed_s: 0.42,
  eta_s: 0.2,
  error: null,
};

export const exampleVideo = {
  video_id: EXAMPLE_VIDEO_ID,
  filename: 'pan.mp4',
  content_type: 'video/mp4',
  size_bytes: 208_331,
  source_url: null,
  codec: 'h264',
  width: 432,
  height: 600,
  fps: 10,
  duration_s: 3,
  frame_count: 30,
  created_at: '2026-12-05T23:58:10.118Z',
  status: 'running',
  job: exampleJob,
};

export const exampleAccepted = {
  video_id: EXAMPLE_VIDEO_ID,
  job_id: EXAMPLE_JOB_ID,
  status_url: `/jobs/${EXAMPLE_JOB_ID}`,
  video: {
    ...exampleVideo,
    status: 'queued',
    job: {
      ...exampleJob,
      state: 'queued',
      frames_done: 0,
      started_at: null,
      elapsed_s: null,
      eta_s: null,
      attempts: 0,
    },
  },
};

export const exampleFrames = {
  video_id: EXAMPLE_VIDEO_ID,
  frames: [
    {
      index: 0,
      timestamp: 0,
      objects: [
        {
          object_id: '9b1f3c2a-6d4e-4b8f-a0c1-2e3d4f5a6b7c',
          bbox: [153, 131, 269, 524],
          label: 'person',
          class_id: 0,
          score: 0.6374,
          track_id: 1,
        },
      ],
    },
    {
      index: 1,
      timestamp: 0.5,
      objects: [
        {
          object_id: '1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f',
          bbox: [140, 132, 263, 527],
          label: 'person',
          class_id: 0,
          score: 0.6403,
          track_id: 1,
        },
      ],
    },
  ],
};

export const exampleTracks = {
  video_id: EXAMPLE_VIDEO_ID,
  tracks: [
    {
      track_id: 1,
      label: 'person',
      first_timestamp: 0,
      last_timestamp: 2.5,
      frames_seen: 6,
      best_score: 0.6888,
      path: [
        { timestamp: 0, bbox: [153, 131, 269, 524], score: 0.6374 },
        { timestamp: 0.5, bbox: [140, 132, 263, 527], score: 0.6403 },
        { timestamp: 1, bbox: [131, 132, 249, 522], score: 0.6454 },
        { timestamp: 1.5, bbox: [125, 127, 241, 531], score: 0.6455 },
        { timestamp: 2, bbox: [112, 133, 231, 525], score: 0.6888 },
        { timestamp: 2.5, bbox: [102, 131, 219, 519], score: 0.6477 },
      ],
    },
  ],
};
