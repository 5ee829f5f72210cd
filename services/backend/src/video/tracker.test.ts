import { describe, expect, it } from 'vitest';
import { type Box, type TrackerFrame, trackObjects } from './tracker.js';

/** A deterministic jitter in [-amplitude, amplitude] (no randomness in tests). */
const jitter = (seed: number, amplitude: number) => Math.sin(seed * 12.9898) * amplitude;

interface MovingBox {
  label: string;
  start: [number, number];
  /** Pixels per sampled frame. */
  velocity: [number, number];
  size: [number, number];
  score: (frame: number) => number;
  /** Frames in which the detector misses it. */
  missing?: number[];
}

/** Detections of boxes moving at constant velocity, with a pixel of jitter and a few misses, one frame per 200 ms. */
function syntheticVideo(objects: MovingBox[], frameCount: number): TrackerFrame[] {
  return Array.from({ length: frameCount }, (_, frame) => ({
    frameIndex: frame,
    timestampMs: frame * 200,
    detections: objects
      .filter((object) => !object.missing?.includes(frame))
      .map((object, i) => {
        const x = object.start[0] + object.velocity[0] * frame + jitter(frame * 7 + i, 1.5);
        const y = object.start[1] + object.velocity[1] * frame + jitter(frame * 13 + i, 1.5);
        return {
          label: object.label,
          score: object.score(frame),
          bbox: [x, y, x + object.size[0], y + object.size[1]] as Box,
        };
      })
      // The detector's order is by score, not by object.
      .sort((a, b) => b.score - a.score),
  }));
}

describe('trackObjects (IoU/ByteTrack-style tracker)', () => {
  it('Should give one track per moving object over a synthetic video, across crossings, misses and low scores', () => {
    const objects: MovingBox[] = [
      { label: 'person', start: [10, 100], velocity: [12, 0], size: [60, 120], score: () => 0.9 },
      // Crosses the person's path (opposite direction) in the middle of the clip.
      {
        label: 'dog',
        start: [400, 140],
        velocity: [-12, 0],
        size: [70, 60],
        score: () => 0.8,
        missing: [9, 10],
      },
      // A second person moving diagonally whose score dips below the high threshold for a few frames.
      {
        label: 'person',
        start: [50, 300],
        velocity: [8, -6],
        size: [50, 100],
        score: (frame) => (frame >= 12 && frame <= 15 ? 0.35 : 0.75),
      },
      { label: 'car', start: [300, 350], velocity: [0, 0], size: [120, 70], score: () => 0.95 },
    ];
    const frames = syntheticVideo(objects, 30);
    const { assignments, tracks } = trackObjects(frames);

    expect(tracks.map((track) => track.label).sort()).toEqual(['car', 'dog', 'person', 'person']);
    const byLabel = (label: string) => tracks.filter((track) => track.label === label);
    expect(byLabel('car')[0]).toMatchObject({
      firstMs: 0,
      lastMs: 29 * 200,
      framesSeen: 30,
      bestScore: 0.95,
    });
    expect(byLabel('dog')[0]).toMatchObject({ firstMs: 0, lastMs: 29 * 200, framesSeen: 28 });
    expect(byLabel('person').map((track) => track.framesSeen)).toEqual([30, 30]);
    // Every detection in every frame has a track id, and no frame uses an id twice.
    for (const ids of assignments) {
      expect(ids.every((id) => id !== null)).toBe(true);
      expect(new Set(ids).size).toBe(ids.length);
    }
    // The first person's path moves right by about 12 px a frame.
    const first = tracks.find((track) => track.label === 'person' && track.path[0]!.bbox[1] < 200)!;
    expect(first.path.at(-1)!.bbox[0] - first.path[0]!.bbox[0]).toBeCloseTo(29 * 12, -1);
  });

  it('Should start a new track when an object reappears after more than maxMissedFrames', () => {
    const frames = syntheticVideo(
      [
        {
          label: 'cat',
          start: [0, 0],
          velocity: [2, 0],
          size: [50, 50],
          score: () => 0.9,
          missing: [3, 4, 5, 6, 7, 8, 9],
        },
      ],
      15,
    );
    const { tracks } = trackObjects(frames, { highScore: 0.5, minIou: 0.3, maxMissedFrames: 5 });
    expect(tracks.map((track) => [track.firstMs, track.lastMs, track.framesSeen])).toEqual([
      [0, 400, 3],
      [2000, 2800, 5],
    ]);
  });

  it('Should not start tracks from low-score detections and should not match across labels', () => {
    const frames: TrackerFrame[] = [0, 1, 2].map((frame) => ({
      frameIndex: frame,
      timestampMs: frame * 500,
      detections: [
        { label: frame === 1 ? 'dog' : 'cat', score: 0.9, bbox: [10, 10, 60, 60] },
        { label: 'bird', score: 0.2, bbox: [200, 200, 220, 220] },
      ],
    }));
    const { assignments, tracks } = trackObjects(frames);
    expect(tracks.map((track) => track.label)).toEqual(['cat', 'dog']);
    expect(assignments).toEqual([
      [1, null],
      [2, null],
      [1, null],
    ]);
  });
});
