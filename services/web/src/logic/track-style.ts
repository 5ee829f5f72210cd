import { LABEL_PALETTE, labelColour } from '@detection/backend/label-style';

/**
 * The colour of a track's boxes: one palette colour per track id, so two people are told apart while they move.
 * Before the job has completed the objects have no track id yet and take their label's colour.
 */
export function trackColour(trackId: number | null, label: string): string {
  if (trackId === null) return labelColour(label);
  return LABEL_PALETTE[((trackId % LABEL_PALETTE.length) + LABEL_PALETTE.length) % LABEL_PALETTE.length]!;
}

/** The caption drawn on a box: "#3 person 87%" (track, label, score), the annotated MP4's wording. */
export function trackCaption(trackId: number | null, label: string, score: string): string {
  return trackId === null ? `${label} ${score}` : `#${trackId} ${label} ${score}`;
}
