import { InvalidInputError } from '../errors.js';
import type { InferTensor, RequestedOutput, TensorSpec } from '../inference/types.js';

/** Same rank, and every dimension equal unless either side is -1 (any size). */
export function shapeMatches(shape: readonly number[], spec: readonly number[]): boolean {
  return (
    shape.length === spec.length && shape.every((dim, i) => dim === -1 || spec[i] === -1 || spec[i] === dim)
  );
}

const describeShape = (shape: readonly number[]) => `[${shape.join(', ')}]`;

/** Every model input exactly once, with the model's datatype and a compatible shape (-1 = any size). */
export function matchInputs(
  model: string,
  specs: readonly TensorSpec[],
  inputs: readonly InferTensor[],
): Map<string, InferTensor> {
  const byName = new Map<string, InferTensor>();
  for (const input of inputs) {
    const spec = specs.find((candidate) => candidate.name === input.name);
    if (!spec) {
      throw new InvalidInputError(
        `model ${model} has no input "${input.name}"; its inputs: ${specs.map((s) => `"${s.name}"`).join(', ')}`,
      );
    }
    if (byName.has(input.name)) throw new InvalidInputError(`input "${input.name}" is given more than once`);
    if (input.datatype !== spec.datatype) {
      throw new InvalidInputError(`input "${input.name}" must be ${spec.datatype}, got ${input.datatype}`);
    }
    if (!shapeMatches(input.shape, spec.shape)) {
      throw new InvalidInputError(
        `input "${input.name}" must have shape ${describeShape(spec.shape)} (-1 = any size), got ${describeShape(input.shape)}`,
      );
    }
    byName.set(input.name, input);
  }
  const missing = specs.filter((spec) => !byName.has(spec.name));
  if (missing.length > 0) {
    throw new InvalidInputError(`missing input(s): ${missing.map((spec) => `"${spec.name}"`).join(', ')}`);
  }
  return byName;
}

/** The names of the requested outputs (all outputs when the request lists none), each known to the model. */
export function matchOutputs(
  model: string,
  available: readonly string[],
  requested: readonly RequestedOutput[] | undefined,
): string[] {
  if (!requested || requested.length === 0) return [...available];
  const names: string[] = [];
  for (const { name } of requested) {
    if (!available.includes(name)) {
      throw new InvalidInputError(
        `model ${model} has no output "${name}"; its outputs: ${available.map((n) => `"${n}"`).join(', ')}`,
      );
    }
    if (names.includes(name)) throw new InvalidInputError(`output "${name}" is requested more than once`);
    names.push(name);
  }
  return names;
}
