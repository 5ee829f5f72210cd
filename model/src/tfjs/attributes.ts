import type { TfAttrValue, TfNodeDef, TfTensorShape } from './graph-model-json.js';

/** Typed access to a node's attributes; a missing or mistyped attribute names the node in its error. */
export class NodeAttributes {
  readonly #node: TfNodeDef;

  constructor(node: TfNodeDef) {
    this.#node = node;
  }

  has(name: string): boolean {
    return this.#node.attr?.[name] !== undefined;
  }

  string(name: string, fallback?: string): string {
    const value = this.#value(name, fallback);
    if (typeof value === 'string') return value;
    return Buffer.from(value.s ?? '', 'base64').toString('utf8');
  }

  int(name: string, fallback?: number): number {
    const value = this.#value(name, fallback);
    if (typeof value === 'number') return value;
    return Number(value.i ?? 0);
  }

  float(name: string, fallback?: number): number {
    const value = this.#value(name, fallback);
    if (typeof value === 'number') return value;
    return Number(value.f ?? 0);
  }

  bool(name: string, fallback?: boolean): boolean {
    const value = this.#value(name, fallback);
    if (typeof value === 'boolean') return value;
    return value.b ?? false;
  }

  type(name: string, fallback?: string): string {
    const value = this.#value(name, fallback);
    if (typeof value === 'string') return value;
    if (value.type === undefined) return this.#fail(name, 'a dtype');
    return value.type;
  }

  ints(name: string, fallback?: number[]): number[] {
    const value = this.#value(name, fallback);
    if (Array.isArray(value)) return value;
    return (value.list?.i ?? []).map(Number);
  }

  strings(name: string, fallback?: string[]): string[] {
    const value = this.#value(name, fallback);
    if (Array.isArray(value)) return value;
    return (value.list?.s ?? []).map((s) => Buffer.from(s, 'base64').toString('utf8'));
  }

  // Protobuf JSON omits fields that hold their default value, so an attribute that is present
  // without its scalar field means 0, false or "".
  #value<T>(name: string, fallback: T | undefined): TfAttrValue | T {
    const value = this.#node.attr?.[name];
    if (value !== undefined) return value;
    if (fallback !== undefined) return fallback;
    return this.#fail(name, 'present');
  }

  #fail(name: string, expected: string): never {
    throw new Error(`node "${this.#node.name}" (${this.#node.op}): attribute "${name}" must be ${expected}`);
  }
}

export function decodeShape(shape: TfTensorShape | undefined): Array<number | null> | null {
  if (!shape || shape.unknownRank) return null;
  return (shape.dim ?? []).map((dim) => {
    const size = Number(dim.size ?? -1);
    return size < 0 ? null : size;
  });
}
