import { useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { formatCount, formatScore } from '../logic/format.js';
import {
  boxToPercentRect,
  captionPlacement,
  colourForLabel,
  paintOrder,
  readingOrder,
} from '../logic/geometry.js';
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

const CAPTION_HEIGHT_PX = 20;

/**
 * The image with its boxes as absolutely positioned buttons in percentages of the image, so they follow
 * any displayed size. The boxes are one tab stop (roving tabindex): arrow keys move in reading order.
 */
export function DetectionViewer(props: DetectionViewerProps) {
  const { src, failed, alt, width, height, objects, selectedId, hoveredId, showCaptions, onSelect, onHover } =
    props;
  const image = useRef<HTMLImageElement>(null);
  const group = useRef<HTMLDivElement>(null);
  const [displayedHeight, setDisplayedHeight] = useState(0);
  // Keyed by src: a cached image can fire `load` before an effect resetting a plain flag would run.
  const [loadedSrc, setLoadedSrc] = useState<string | null>(null);
  const [failedSrc, setFailedSrc] = useState<string | null>(null);
  const loaded = src !== null && loadedSrc === src;
  const loadFailed = src !== null && failedSrc === src;
  const painted = useMemo(() => paintOrder(objects), [objects]);
  const order = useMemo(() => readingOrder(objects), [objects]);
  const focusId = selectedId ?? hoveredId ?? order[0]?.object_id ?? null;
  const emphasised = hoveredId ?? selectedId;

  useLayoutEffect(() => {
    const element = image.current;
    if (!element) return;
    if (element.complete && element.naturalWidth > 0) setLoadedSrc(src);
    const observer = new ResizeObserver(([entry]) => setDisplayedHeight(entry?.contentRect.height ?? 0));
    observer.observe(element);
    return () => observer.disconnect();
  }, [src]);

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
        class={`viewer-frame ${emphasised ? 'viewer-emphasis' : ''}`}
        style={{ aspectRatio: `${width} / ${height}`, '--aspect': String(width / height) }}
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
        {(loaded || !src) && objects.length > 0 && (
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
              const placement = captionPlacement(object.bbox, height, displayedHeight, CAPTION_HEIGHT_PX);
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
                    '--box-colour': colourForLabel(object.label),
                  }}
                  tabIndex={object.object_id === focusId ? 0 : -1}
                  aria-pressed={selected}
                  aria-label={`Object ${object.rank}: ${object.label}, score ${formatScore(object.score)}`}
                  data-object-id={object.object_id}
                  data-testid="box"
                  onClick={() => onSelect(selected ? null : object.object_id)}
                  onMouseEnter={() => onHover(object.object_id)}
                  onFocus={() => onHover(object.object_id)}
                  onKeyDown={(event) => moveFocus(event, object.object_id)}
                >
                  {(showCaptions || state === 'selected' || state === 'hovered') && (
                    <span class={`caption caption-${placement}`} aria-hidden="true">
                      <span class="caption-rank">{object.rank}</span> {object.label}{' '}
                      <span class="caption-score">{formatScore(object.score)}</span>
                    </span>
                  )}
                </button>
              );
            })}
          </div>
        )}
      </div>
    </figure>
  );
}
