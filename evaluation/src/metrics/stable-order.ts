/** Indices that sort `values` in descending order, equal values keeping their order (numpy's mergesort argsort of -x). */
export function indicesByDescendingValue(values: readonly number[]): number[] {
  return values.map((_, index) => index).sort((a, b) => values[b]! - values[a]!);
}
