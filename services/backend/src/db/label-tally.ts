/** Labels are matched case-insensitively; tallies and the label index store them lower-cased. */
export const labelKey = (label: string) => label.toLowerCase();

/** Objects per label key. */
export function tallyLabels(found: ReadonlyArray<{ label: string }>): Map<string, number> {
  const tally = new Map<string, number>();
  for (const { label } of found) tally.set(labelKey(label), (tally.get(labelKey(label)) ?? 0) + 1);
  return tally;
}

export interface LabelDelta {
  label: string;
  images: number;
  objects: number;
}

/**
 * How the per-label counts change when an image's labels go from `before` to `after`, sorted by label so that
 * concurrent transactions update the shared count rows in one order (no deadlock).
 */
export function labelDeltas(
  before: ReadonlyMap<string, number>,
  after: ReadonlyMap<string, number>,
): LabelDelta[] {
  const labels = [...new Set([...before.keys(), ...after.keys()])].sort();
  return labels
    .map((label) => {
      const was = before.get(label) ?? 0;
      const is = after.get(label) ?? 0;
      return { label, images: Number(is > 0) - Number(was > 0), objects: is - was };
    })
    .filter((delta) => delta.images !== 0 || delta.objects !== 0);
}
