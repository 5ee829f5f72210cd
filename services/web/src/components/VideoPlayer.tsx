import { captionTextColour } from '@detection/backend/label-style';
import type { RefObject } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { VideoFrame } from '../api/types.js';
import { formatCount, formatMediaTime, formatScore } from '../logic/format.js';
import { trackCaption, trackColour } from '../logic/track-style.js';
import { nearestFrame } from '../logic/video-frames.js';
import { boxOnScreen, containedRect } from '../logic/video-geometry.js';

interface VideoPlayerProps {
  src: string | null;
  /** The video's own size: the frames' boxes are in these pixels. */
  width: number;
  height: number;
  frames: readonly VideoFrame[];
  videoRef: RefObject<HTMLVideoElement | null>;
  label: string;
}

const CAPTION_FONT = '600 13px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';

/**
 * The uploaded video with the detected boxes drawn over it on a canvas, in step with playback: on every frame the
 * browser presents (`requestVideoFrameCallback`, or `timeupdate` where it is missing) the sampled frame nearest to
 * the media time is drawn, scaled to where `object-fit: contain` shows the picture.
 */
export function VideoPlayer({ src, width, height, frames, videoRef, label }: VideoPlayerProps) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const framesRef = useRef(frames);
  framesRef.current = frames;
  const [shown, setShown] = useState<{ time: number; count: number } | null>(null);
  const shownIndex = useRef<number | null>(null);

  useEffect(() => {
    const video = videoRef.current;
    const canvas = canvasRef.current;
    if (!video || !canvas) return;
    const draw = (mediaTime: number) => {
      const frame = nearestFrame(framesRef.current, mediaTime);
      const count = drawFrame(canvas, video, frame, width, height);
      canvas.dataset.mediaTime = String(mediaTime);
      if (frame?.index !== shownIndex.current) {
        shownIndex.current = frame?.index ?? null;
        setShown(frame ? { time: frame.timestamp, count } : null);
      }
    };
    const redraw = () => draw(video.currentTime);
    let handle: number | null = null;
    if (typeof video.requestVideoFrameCallback === 'function') {
      const onFrame: VideoFrameRequestCallback = (_now, metadata) => {
        draw(metadata.mediaTime);
        handle = video.requestVideoFrameCallback(onFrame);
      };
      handle = video.requestVideoFrameCallback(onFrame);
      canvas.dataset.sync = 'video-frame-callback';
    } else {
      video.addEventListener('timeupdate', redraw);
      canvas.dataset.sync = 'timeupdate';
    }
    // a seek while paused, the first frame, and a resize are drawn without waiting for playback
    const events = ['seeked', 'loadeddata', 'loadedmetadata'] as const;
    for (const name of events) video.addEventListener(name, redraw);
    const observer = new ResizeObserver(redraw);
    observer.observe(video);
    redraw();
    return () => {
      if (handle !== null) video.cancelVideoFrameCallback(handle);
      video.removeEventListener('timeupdate', redraw);
      for (const name of events) video.removeEventListener(name, redraw);
      observer.disconnect();
    };
  }, [src, frames, width, height]);

  return (
    <figure class="player" data-testid="video-player">
      <div class="player-stage">
        {src ? (
          <video
            ref={videoRef}
            class="player-video"
            src={src}
            controls
            playsInline
            muted
            preload="auto"
            aria-label={label}
            data-testid="video-element"
          />
        ) : (
          <div class="viewer-placeholder" />
        )}
        {/* biome-ignore lint/a11y/noAriaHiddenOnFocusable: a canvas is not focusable; the boxes are described below */}
        <canvas ref={canvasRef} class="player-overlay" aria-hidden="true" data-testid="video-overlay" />
      </div>
      <figcaption class="hint" data-testid="overlay-caption">
        {frames.length === 0
          ? 'No sampled frames to draw yet.'
          : shown
            ? `Boxes of the sampled frame at ${formatMediaTime(shown.time)}: ${formatCount(shown.count, 'object')}.`
            : `${formatCount(frames.length, 'sampled frame')}; play the video to see the boxes.`}
      </figcaption>
    </figure>
  );
}

/** Draws one sampled frame's boxes and captions on the canvas over the video; answers how many it drew. */
function drawFrame(
  canvas: HTMLCanvasElement,
  video: HTMLVideoElement,
  frame: VideoFrame | null,
  width: number,
  height: number,
): number {
  const ratio = window.devicePixelRatio || 1;
  const cssWidth = video.clientWidth;
  const cssHeight = video.clientHeight;
  const pixelWidth = Math.round(cssWidth * ratio);
  const pixelHeight = Math.round(cssHeight * ratio);
  if (canvas.width !== pixelWidth || canvas.height !== pixelHeight) {
    canvas.width = pixelWidth;
    canvas.height = pixelHeight;
  }
  const context = canvas.getContext('2d');
  if (!context) return 0;
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  context.clearRect(0, 0, cssWidth, cssHeight);
  const drawn: Array<{
    track_id: number | null;
    x: number;
    y: number;
    width: number;
    height: number;
    colour: string;
  }> = [];
  if (frame) {
    // the picture as the browser shows it (its display size), the boxes in the video's own pixels
    const shown = containedRect(video.videoWidth || width, video.videoHeight || height, cssWidth, cssHeight);
    context.font = CAPTION_FONT;
    context.textBaseline = 'top';
    for (const object of frame.objects) {
      const box = boxOnScreen(object.bbox, width, height, shown);
      if (box.width <= 0 || box.height <= 0) continue;
      const colour = trackColour(object.track_id, object.label);
      context.lineWidth = 3;
      context.strokeStyle = colour;
      context.strokeRect(box.x + 1.5, box.y + 1.5, Math.max(0, box.width - 3), Math.max(0, box.height - 3));
      const text = trackCaption(object.track_id, object.label, formatScore(object.score));
      const textWidth = context.measureText(text).width + 8;
      const captionHeight = 18;
      const captionY = box.y - captionHeight >= shown.y ? box.y - captionHeight : box.y;
      const captionX = Math.min(box.x, shown.x + shown.width - textWidth);
      context.fillStyle = colour;
      context.fillRect(captionX, captionY, textWidth, captionHeight);
      context.fillStyle = captionTextColour(colour);
      context.fillText(text, captionX + 4, captionY + 3);
      drawn.push({ track_id: object.track_id, ...box, colour });
    }
  }
  // what is on the canvas, for tests and debugging: the frame drawn and its boxes in CSS pixels
  canvas.dataset.frameIndex = frame ? String(frame.index) : '';
  canvas.dataset.boxCount = String(drawn.length);
  canvas.dataset.boxes = JSON.stringify(drawn);
  return drawn.length;
}
