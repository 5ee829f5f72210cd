import type { ModelInfo } from '../api/types.js';

const isReady = (model: ModelInfo) => model.state === null || model.state.toUpperCase() === 'READY';

/**
 * One choice per model from the model server's index, which lists every version of every model (loaded or not):
 * the model is ready when one of its versions is, and shows its highest ready version (else its highest version).
 */
export function modelChoices(models: readonly ModelInfo[]): ModelInfo[] {
  const byName = new Map<string, ModelInfo[]>();
  for (const model of models) byName.set(model.name, [...(byName.get(model.name) ?? []), model]);
  return [...byName.values()].map((versions) => {
    const ordered = [...versions].sort((a, b) => Number(a.version ?? 0) - Number(b.version ?? 0));
    return ordered.filter(isReady).at(-1) ?? ordered.at(-1)!;
  });
}
