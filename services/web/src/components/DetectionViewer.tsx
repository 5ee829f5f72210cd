import { captionTextColour, labelColour } from '@detection/backend/label-style';
import { useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { layoutCaptions } from '../logic/caption-layout.js';
import { formatCount, formatScore } from '../logic/format.js';
import { boxToPercentRect, paintOrder, readingOrder } from '../logic/geometry.js';
import type { RankedObject } from '../logic/objects-table.js';

interface DetectionViewerProps {
  src: string | null;
  failed: boolean;
  alt: string;
  width: number;
  height: number;
  objects: RankedObject[];
  selectedId: string | null;
  hoveredId: string | null;
  showCaptions: boolean;
  onSelect: (objectId: string | null) => void;
  onHover: (objectId: string | null) => void;
}

/** The caption text of a box, which is also its button's accessible name (so the name contains what is seen). */
export const captionText = (object: RankedObject) =>
  `${object.rank} ${object.label} ${formatScore(object.score)}`;

/**
 * The image at its own aspect ratio, with its boxes as absolutely positioned buttons in percentages of the image,
 * so they follow any displayed size. Captions are laid out in pixels inside the image without overlapping
 * (layoutCaptions); one with no free place shows when its box is hovered or focused. The boxes are one tab stop
 * (roving tabindex): arrow keys move in reading order.
 */
export function DetectionViewer(props: DetectionViewerProps) {
  const { src, failed, alt, width, height, objects, selectedId, hoveredId, showCaptions, onSelect, onHover } =
    props;
  const frame = useRef<HTMLDivElement>(null);
  const image = useRef<HTMLImageElement>(null);
  const group = useRef<HTMLDivElement>(null);
  const captionLayer = useRef<HTMLDivElement>(null);
  const [frameSize, setFrameSize] = useState({ width: 0, height: 0 });
  const [captionWidths, setCaptionWidths] = useState<Map<string, number>>(new Map());
  // Keyed by src: a cached image can fire `load` before an effect resetting a plain flag would run.
  const [loadedSrc, setLoadedSrc] = useState<string | null>(null);
  const [failedSrc, setFailedSrc] = useState<string | null>(null);
  const loaded = src !== null && loadedSrc === src;
  const loadFailed = src !== null && failedSrc === src;
  const painted = useMemo(() => paintOrder(objects), [objects]);
  const order = useMemo(() => readingOrder(objects), [objects]);
  const focusId = selectedId ?? hoveredId ?? order[0]?.object_id ?? null;
  const emphasised = hoveredId ?? selectedId;
  const showBoxes = (loaded || !src) && objects.length > 0;

  useLayoutEffect(() => {
    const element = image.current;
    if (element?.complete && element.naturalWidth > 0) setLoadedSrc(src);
  }, [src]);

  useLayoutEffect(() => {
    const element = frame.current;
    if (!element) return;
    const observer = new ResizeObserver(([entry]) => {
      if (entry) setFrameSize({ width: entry.contentRect.width, height: entry.contentRect.height });
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  // Captions are measured as rendered (font, padding), then placed.
  useLayoutEffect(() => {
    const widths = new Map<string, number>();
    for (const element of captionLayer.current?.querySelectorAll<HTMLElement>('[data-caption-for]') ?? []) {
      widths.set(element.dataset.captionFor!, element.scrollWidth);
    }
    const changed =
      widths.size !== captionWidths.size ||
      [...widths].some(([id, value]) => captionWidths.get(id) !== value);
    if (changed) setCaptionWidths(widths);
  }, [objects, showBoxes]);

  const captionHeight = 20;
  const layout = useMemo(() => {
    if (frameSize.width === 0 || width <= 0 || height <= 0) return new Map();
    const scaleX = frameSize.width / width;
    const scaleY = frameSize.height / height;
    const byScore = [...objects].sort((a, b) => a.rank - b.rank);
    return layoutCaptions(
      byScore.map((object) => {
        const [x1, y1, x2, y2] = object.bbox;
        return {
          id: object.object_id,
          box: { x: x1 * scaleX, y: y1 * scaleY, width: (x2 - x1) * scaleX, height: (y2 - y1) * scaleY },
          width: captionWidths.get(object.object_id) ?? 0,
          height: captionHeight,
        };
      }),
      frameSize,
    );
  }, [objects, frameSize, captionWidths, width, height]);

  const moveFocus = (event: KeyboardEvent, current: string) => {
    const index = order.findIndex((object) => object.object_id === current);
    let next: number | null = null;
    if (event.key === 'ArrowRight' || event.key === 'ArrowDown') next = (index + 1) % order.length;
    else if (event.key === 'ArrowLeft' || event.key === 'ArrowUp')
      next = (index - 1 + order.length) % order.length;
    else if (event.key === 'Home') next = 0;
    else if (event.key === 'End') next = order.length - 1;
    if (next === null) return;
    event.preventDefault();
    const target = order[next]!;
    onHover(target.object_id);
    group.current?.querySelector<HTMLButtonElement>(`[data-object-id="${target.object_id}"]`)?.focus();
  };

  return (
    <figure class="viewer" data-testid="viewer">
      <div
        ref={frame}
        class={`viewer-frame ${emphasised ? 'viewer-emphasis' : ''}`}
        style={{ '--ratio': width > 0 && height > 0 ? (width / height).toFixed(6) : '1.333333' }}
      >
        {src && (
          <img
            ref={image}
            src={src}
            alt={alt}
            width={width}
            height={height}
            decoding="async"
            onLoad={() => setLoadedSrc(src)}
            onError={() => setFailedSrc(src)}
            data-testid="result-image"
          />
        )}
        {!src && !failed && <div class="viewer-placeholder" aria-hidden="true" />}
        {(failed || loadFailed) && <p class="viewer-failed">The image could not be loaded.</p>}
        {showBoxes && (
          // biome-ignore lint/a11y/useSemanticElements: a positioned overlay of buttons, not a form fieldset
          <div
            ref={group}
            class="boxes"
            role="group"
            aria-label={`${formatCount(objects.length, 'detected object')} on the image; use the arrow keys to move between them`}
            onMouseLeave={() => onHover(null)}
          >
            {painted.map((object) => {
              const rect = boxToPercentRect(object.bbox, width, height);
              const selected = object.object_id === selectedId;
              const state = selected
                ? 'selected'
                : object.object_id === hoveredId
                  ? 'hovered'
                  : emphasised
                    ? 'dim'
                    : '';
              return (
                <button
                  type="button"
                  key={object.object_id}
                  class={`box ${state ? `box-${state}` : ''}`}
                  style={{
                    left: `${rect.left}%`,
                    top: `${rect.top}%`,
                    width: `${rect.width}%`,
                    height: `${rect.height}%`,
                    '--box-colour': labelColour(object.label),
                  }}
                  tabIndex={object.object_id === focusId ? 0 : -1}
                  aria-pressed={selected}
                  aria-label={captionText(object)}
                  data-object-id={object.object_id}
                  data-label={object.label}
                  data-testid="box"
                  onClick={() => onSelect(selected ? null : object.object_id)}
                  onMouseEnter={() => onHover(object.object_id)}
                  onFocus={() => onHover(object.object_id)}
                  onKeyDown={(event) => moveFocus(event, object.object_id)}
                />
              );
            })}
          </div>
        )}
        {showBoxes && (
          <div ref={captionLayer} class="captions" aria-hidden="true">
            {objects.map((object) => {
              const placement = layout.get(object.object_id);
              const pinned = object.object_id === hoveredId || object.object_id === selectedId;
              const shown = placement !== undefined && (pinned || (showCaptions && placement.visible));
              const colour = labelColour(object.label);
              return (
                <span
                  key={object.object_id}
                  class={`caption ${shown ? 'caption-shown' : ''} ${pinned ? 'caption-pinned' : ''}`}
                  data-caption-for={object.object_id}
                  data-testid={shown ? 'caption' : undefined}
                  style={{
                    left: `${placement?.x ?? 0}px`,
                    top: `${placement?.y ?? 0}px`,
                    maxWidth: `${Math.max(frameSize.width, 1)}px`,
                    '--box-colour': colour,
                    '--caption-text': captionTextColour(colour),
                  }}
                >
                  <span class="caption-rank">{object.rank}</span> {object.label}{' '}
                  <span class="caption-score">{formatScore(object.score)}</span>
                </span>
              );
            })}
          </div>
        )}
      </div>
    </figure>
  );
}
