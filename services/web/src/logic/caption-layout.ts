/** A rectangle in displayed pixels, relative to the image's top-left corner. */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface CaptionRequest {
  id: string;
  /** The box the caption belongs to, in displayed pixels. */
  box: Rect;
  /** The caption's natural size in pixels. */
  width: number;
  height: number;
}

export interface CaptionPlacement extends Rect {
  /** False when every place near its box would cover another caption: shown only on hover or focus. */
  visible: boolean;
}

const clamp = (value: number, min: number, max: number) => Math.min(Math.max(value, min), max);

export function intersects(a: Rect, b: Rect, gap = 0): boolean {
  return (
    a.x < b.x + b.width + gap &&
    b.x < a.x + a.width + gap &&
    a.y < b.y + b.height + gap &&
    b.y < a.y + a.height + gap
  );
}

/**
 * Places box captions inside the image without overlaps. Requests come in priority order (highest score first);
 * each takes the first free place of: above the box, inside its top edge, below it, inside its bottom edge —
 * moved sideways and up or down as needed to stay within the image. A caption wider than the image is cut to its
 * width. A caption with no free place is hidden (its box shows it on hover and focus, at its first place).
 */
export function layoutCaptions(
  requests: readonly CaptionRequest[],
  frame: { width: number; height: number },
  gap = 1,
): Map<string, CaptionPlacement> {
  const placed: Rect[] = [];
  const layout = new Map<string, CaptionPlacement>();
  for (const { id, box, width: naturalWidth, height } of requests) {
    const width = Math.min(naturalWidth, frame.width);
    const fits = height <= frame.height && width > 0;
    const candidates = [
      { x: box.x, y: box.y - height },
      { x: box.x, y: box.y },
      { x: box.x, y: box.y + box.height },
      { x: box.x, y: box.y + box.height - height },
    ].map(({ x, y }) => ({
      x: clamp(x, 0, Math.max(0, frame.width - width)),
      y: clamp(y, 0, Math.max(0, frame.height - height)),
      width,
      height,
    }));
    const free = fits
      ? candidates.find((rect) => !placed.some((other) => intersects(rect, other, gap)))
      : undefined;
    if (free) placed.push(free);
    layout.set(id, { ...(free ?? candidates[0]!), visible: free !== undefined });
  }
  return layout;
}
