/** Thrown when the backend answers 2xx with a body that does not match the API contract. */
export class UnexpectedResponseError extends Error {
  override name = 'UnexpectedResponseError';
}

/** A JSON object of an answer, read field by field with the readers below; `what` names it in errors. */
export type Json = Record<string, unknown>;

export function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function record(value: unknown, what: string): Json {
  if (!isRecord(value)) throw new UnexpectedResponseError(`${what} is not an object`);
  return value;
}

export function str(source: Json, key: string, what: string): string {
  const value = source[key];
  if (typeof value !== 'string') throw new UnexpectedResponseError(`${what}.${key} is not a string`);
  return value;
}

export function num(source: Json, key: string, what: string): number {
  const value = source[key];
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new UnexpectedResponseError(`${what}.${key} is not a number`);
  }
  return value;
}

export function optionalNum(source: Json, key: string): number | null {
  const value = source[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

export function optionalStr(source: Json, key: string): string | null {
  const value = source[key];
  return typeof value === 'string' ? value : null;
}

export function list(source: Json, key: string, what: string): unknown[] {
  const value = source[key];
  if (!Array.isArray(value)) throw new UnexpectedResponseError(`${what}.${key} is not an array`);
  return value;
}
