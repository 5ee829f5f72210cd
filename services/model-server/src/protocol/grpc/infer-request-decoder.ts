/**
 * A bounded decoder of `inference.ModelInferRequest` (open_inference_grpc.proto) straight into typed arrays.
 *
 * Decoding with protobufjs turns each element of a repeated field into its own object: 16 MB of empty
 * `raw_input_contents` entries became 1.9 GB of heap and 13 s of CPU. Here numeric contents go into typed arrays
 * (at most 8 bytes per wire byte), bytes are views of the message, and the number of strings, byte strings and
 * sub-messages is capped in proportion to the message size; a malformed message (truncated, a length past its
 * end, a field of the wrong wire type) is an InvalidInputError saying where.
 */
import { InvalidInputError } from '../../errors.js';

export type WireParameter =
  | { kind: 'bool'; value: boolean }
  | { kind: 'int64' | 'uint64'; value: bigint }
  | { kind: 'string'; value: string }
  | { kind: 'double'; value: number };

/** `InferTensorContents`: each repeated field as the typed array of its proto type (bool as 0/1 bytes). */
export interface WireContents {
  bool_contents?: Uint8Array;
  int_contents?: Int32Array;
  int64_contents?: BigInt64Array;
  uint_contents?: Uint32Array;
  uint64_contents?: BigUint64Array;
  fp32_contents?: Float32Array;
  fp64_contents?: Float64Array;
  bytes_contents?: Uint8Array[];
}

export interface WireInputTensor {
  name: string;
  datatype: string;
  shape: bigint[];
  parameters: Map<string, WireParameter>;
  contents: WireContents;
}

export interface WireInferRequest {
  model_name: string;
  model_version: string;
  id: string;
  parameters: Map<string, WireParameter>;
  inputs: WireInputTensor[];
  outputs: Array<{ name: string; parameters: Map<string, WireParameter> }>;
  raw_input_contents: Uint8Array[];
}

const VARINT = 0;
const FIXED64 = 1;
const LENGTH_DELIMITED = 2;
const FIXED32 = 5;
const WIRE_TYPES = ['varint', '64-bit', 'length-delimited', 'group start', 'group end', '32-bit'];
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Strings, byte strings, sub-messages and unpacked elements a message may hold: one per 64 bytes, at least 4096. */
export function objectBudget(messageBytes: number): number {
  return Math.max(4096, Math.floor(messageBytes / 64));
}

class WireReader {
  pos: number;
  private readonly view: DataView;

  constructor(
    readonly bytes: Uint8Array,
    private readonly budget: { left: number },
    readonly path: string,
    start = 0,
    readonly end = bytes.length,
  ) {
    this.pos = start;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  fail(problem: string): never {
    throw new InvalidInputError(
      `the request is not a valid inference.ModelInferRequest message: ${this.path}: ${problem} (at byte ${this.pos})`,
    );
  }

  more(): boolean {
    return this.pos < this.end;
  }

  spend(objects: number): void {
    this.budget.left -= objects;
    if (this.budget.left < 0) {
      this.fail('too many strings, byte strings or sub-messages for the size of the message');
    }
  }

  varint(): bigint {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (this.pos >= this.end) this.fail('the message ends inside a varint');
      const byte = this.bytes[this.pos++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return BigInt.asUintN(64, result);
    }
    this.fail('a varint is longer than 10 bytes');
  }

  /** The low 32 bits of a varint (int32, uint32, bool and enum elements), without BigInt arithmetic. */
  varint32(): number {
    let result = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      if (this.pos >= this.end) this.fail('the message ends inside a varint');
      const byte = this.bytes[this.pos++]!;
      if (shift < 32) result |= (byte & 0x7f) << shift;
      if (byte < 0x80) return result >>> 0;
    }
    this.fail('a varint is longer than 10 bytes');
  }

  /** A varint that fits 32 bits when read as a length or a field tag. */
  small(what: string): number {
    const value = this.varint();
    if (value > 0xffffffffn) this.fail(`${what} ${value} is too large`);
    return Number(value);
  }

  tag(): { field: number; wireType: number } {
    const tag = this.small('field tag');
    const field = tag >>> 3;
    if (field === 0) this.fail('field number 0');
    return { field, wireType: tag & 7 };
  }

  expect(field: string, wireType: number, expected: number): void {
    if (wireType !== expected) {
      this.fail(
        `field ${field} has wire type ${WIRE_TYPES[wireType] ?? wireType}, expected ${WIRE_TYPES[expected]}`,
      );
    }
  }

  /** The bounds of a length-delimited field's payload, which must lie inside this message. */
  delimited(): [number, number] {
    const length = this.small('length');
    if (length > this.end - this.pos) this.fail(`a length of ${length} runs past the end of the message`);
    const start = this.pos;
    this.pos += length;
    return [start, this.pos];
  }

  bytesField(): Uint8Array {
    this.spend(1);
    const [start, end] = this.delimited();
    return this.bytes.subarray(start, end);
  }

  string(field: string): string {
    const bytes = this.bytesField();
    try {
      return utf8.decode(bytes);
    } catch {
      this.fail(`field ${field} is not UTF-8`);
    }
  }

  fixed32(): number {
    if (this.end - this.pos < 4) this.fail('the message ends inside a 32-bit value');
    const value = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return value;
  }

  double(): number {
    if (this.end - this.pos < 8) this.fail('the message ends inside a 64-bit value');
    const value = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return value;
  }

  sub(name: string): WireReader {
    this.spend(1);
    const [start, end] = this.delimited();
    return new WireReader(this.bytes, this.budget, `${this.path}.${name}`, start, end);
  }

  skip(wireType: number): void {
    switch (wireType) {
      case VARINT:
        this.varint();
        return;
      case FIXED64:
        if (this.end - this.pos < 8) this.fail('the message ends inside a 64-bit value');
        this.pos += 8;
        return;
      case LENGTH_DELIMITED:
        this.delimited();
        return;
      case FIXED32:
        if (this.end - this.pos < 4) this.fail('the message ends inside a 32-bit value');
        this.pos += 4;
        return;
      default:
        this.fail(`unsupported wire type ${WIRE_TYPES[wireType] ?? wireType}`);
    }
  }
}

function parameter(reader: WireReader): WireParameter {
  let value: WireParameter = { kind: 'string', value: '' };
  while (reader.more()) {
    const { field, wireType } = reader.tag();
    switch (field) {
      case 1:
        reader.expect('bool_param', wireType, VARINT);
        value = { kind: 'bool', value: reader.varint() !== 0n };
        break;
      case 2:
        reader.expect('int64_param', wireType, VARINT);
        value = { kind: 'int64', value: BigInt.asIntN(64, reader.varint()) };
        break;
      case 3:
        reader.expect('string_param', wireType, LENGTH_DELIMITED);
        value = { kind: 'string', value: reader.string('string_param') };
        break;
      case 4:
        reader.expect('double_param', wireType, FIXED64);
        value = { kind: 'double', value: reader.double() };
        break;
      case 5:
        reader.expect('uint64_param', wireType, VARINT);
        value = { kind: 'uint64', value: reader.varint() };
        break;
      default:
        reader.skip(wireType);
    }
  }
  return value;
}

/** One `map<string, InferParameter>` entry into `map` (a later entry of the same key wins, as in protobuf). */
function mapEntry(reader: WireReader, map: Map<string, WireParameter>): void {
  let key = '';
  let value: WireParameter = { kind: 'string', value: '' };
  while (reader.more()) {
    const { field, wireType } = reader.tag();
    if (field === 1) {
      reader.expect('parameters key', wireType, LENGTH_DELIMITED);
      key = reader.string('parameters key');
    } else if (field === 2) {
      reader.expect('parameters value', wireType, LENGTH_DELIMITED);
      value = parameter(reader.sub(`parameters["${key}"]`));
    } else {
      reader.skip(wireType);
    }
  }
  map.set(key, value);
}

type NumericKind = 'bool' | 'int32' | 'int64' | 'uint32' | 'uint64' | 'float' | 'double';

/** Elements of one repeated numeric field, packed or not, gathered before they are joined into one array. */
class NumericField {
  private readonly chunks: Array<ArrayLike<number | bigint>> = [];
  private loose: Array<number | bigint> = [];
  count = 0;

  constructor(
    readonly name: string,
    readonly kind: NumericKind,
  ) {}

  private wireTypeOfOne(): number {
    return this.kind === 'float' ? FIXED32 : this.kind === 'double' ? FIXED64 : VARINT;
  }

  private one(reader: WireReader): number | bigint {
    switch (this.kind) {
      case 'float':
        return new Float32Array(new Uint32Array([reader.fixed32()]).buffer)[0]!;
      case 'double':
        return reader.double();
      case 'bool':
        return reader.varint32() !== 0 ? 1 : 0;
      case 'int32':
        return reader.varint32() | 0;
      case 'uint32':
        return reader.varint32();
      case 'int64':
        return BigInt.asIntN(64, reader.varint());
      case 'uint64':
        return reader.varint();
    }
  }

  read(reader: WireReader, wireType: number): void {
    if (wireType !== LENGTH_DELIMITED) {
      reader.expect(this.name, wireType, this.wireTypeOfOne());
      reader.spend(1);
      this.loose.push(this.one(reader));
      this.count += 1;
      return;
    }
    if (this.loose.length > 0) {
      this.chunks.push(this.loose);
      this.loose = [];
    }
    const [start, end] = reader.delimited();
    const packed = new WireReader(
      reader.bytes,
      { left: Number.POSITIVE_INFINITY },
      `${reader.path}.${this.name}`,
      start,
      end,
    );
    if (this.kind === 'float' || this.kind === 'double') {
      const size = this.kind === 'float' ? 4 : 8;
      if ((end - start) % size !== 0) packed.fail(`packed ${this.kind}s of ${end - start} bytes`);
      const copy = new Uint8Array(end - start); // aligned, and a copy even when the message is a pooled Buffer
      copy.set(reader.bytes.subarray(start, end));
      this.chunks.push(this.kind === 'float' ? new Float32Array(copy.buffer) : new Float64Array(copy.buffer));
      this.count += (end - start) / size;
    } else {
      let elements = 0;
      for (let i = start; i < end; i++) if (reader.bytes[i]! < 0x80) elements += 1;
      const values =
        this.kind === 'int64'
          ? new BigInt64Array(elements)
          : this.kind === 'uint64'
            ? new BigUint64Array(elements)
            : new Float64Array(elements);
      for (let i = 0; i < elements; i++) values[i] = this.one(packed) as never;
      if (packed.more()) packed.fail('packed varints end inside a varint');
      this.chunks.push(values);
      this.count += elements;
    }
    reader.spend(1);
  }

  /** The elements as the typed array of this field's proto type; undefined when there are none. */
  finish<T>(
    Storage: new (length: number) => T & { set(values: ArrayLike<number | bigint>, offset: number): void },
  ): T | undefined {
    if (this.count === 0) return undefined;
    if (this.loose.length > 0) this.chunks.push(this.loose);
    this.loose = [];
    const out = new Storage(this.count);
    let offset = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }
}

/** InferTensorContents' numeric fields: number → name and proto type. */
const CONTENTS_FIELDS: ReadonlyMap<number, [keyof WireContents, NumericKind]> = new Map([
  [1, ['bool_contents', 'bool']],
  [2, ['int_contents', 'int32']],
  [3, ['int64_contents', 'int64']],
  [4, ['uint_contents', 'uint32']],
  [5, ['uint64_contents', 'uint64']],
  [6, ['fp32_contents', 'float']],
  [7, ['fp64_contents', 'double']],
]);

const STORAGE: Record<
  NumericKind,
  new (
    length: number,
  ) => Exclude<WireContents[keyof WireContents], Uint8Array[] | undefined>
> = {
  bool: Uint8Array,
  int32: Int32Array,
  int64: BigInt64Array,
  uint32: Uint32Array,
  uint64: BigUint64Array,
  float: Float32Array,
  double: Float64Array,
};

function contents(reader: WireReader, fields: Map<number, NumericField>, bytes: Uint8Array[]): void {
  while (reader.more()) {
    const { field, wireType } = reader.tag();
    const numeric = CONTENTS_FIELDS.get(field);
    if (field === 8) {
      reader.expect('bytes_contents', wireType, LENGTH_DELIMITED);
      bytes.push(reader.bytesField());
    } else if (numeric) {
      let values = fields.get(field);
      if (!values) {
        values = new NumericField(numeric[0], numeric[1]);
        fields.set(field, values);
      }
      values.read(reader, wireType);
    } else {
      reader.skip(wireType);
    }
  }
}

function inputTensor(reader: WireReader): WireInputTensor {
  const tensor: WireInputTensor = { name: '', datatype: '', shape: [], parameters: new Map(), contents: {} };
  let shape: NumericField | undefined;
  const numeric = new Map<number, NumericField>();
  const bytes: Uint8Array[] = [];
  while (reader.more()) {
    const { field, wireType } = reader.tag();
    switch (field) {
      case 1:
        reader.expect('name', wireType, LENGTH_DELIMITED);
        tensor.name = reader.string('name');
        break;
      case 2:
        reader.expect('datatype', wireType, LENGTH_DELIMITED);
        tensor.datatype = reader.string('datatype');
        break;
      case 3:
        shape ??= new NumericField('shape', 'int64');
        shape.read(reader, wireType);
        break;
      case 4:
        reader.expect('parameters', wireType, LENGTH_DELIMITED);
        mapEntry(reader.sub('parameters'), tensor.parameters);
        break;
      case 5:
        reader.expect('contents', wireType, LENGTH_DELIMITED);
        contents(reader.sub('contents'), numeric, bytes);
        break;
      default:
        reader.skip(wireType);
    }
  }
  tensor.shape = Array.from(shape?.finish(BigInt64Array) ?? []);
  const found: Record<string, unknown> = {};
  for (const values of numeric.values()) {
    const array = values.finish(STORAGE[values.kind] as new (length: number) => BigInt64Array);
    if (array) found[values.name] = array;
  }
  if (bytes.length > 0) found.bytes_contents = bytes;
  tensor.contents = found as WireContents;
  return tensor;
}

function requestedOutput(reader: WireReader): WireInferRequest['outputs'][number] {
  const output = { name: '', parameters: new Map<string, WireParameter>() };
  while (reader.more()) {
    const { field, wireType } = reader.tag();
    if (field === 1) {
      reader.expect('name', wireType, LENGTH_DELIMITED);
      output.name = reader.string('name');
    } else if (field === 2) {
      reader.expect('parameters', wireType, LENGTH_DELIMITED);
      mapEntry(reader.sub('parameters'), output.parameters);
    } else {
      reader.skip(wireType);
    }
  }
  return output;
}

/** Decodes a ModelInferRequest; throws InvalidInputError for anything malformed or over the object budget. */
export function decodeModelInferRequest(bytes: Uint8Array): WireInferRequest {
  const reader = new WireReader(bytes, { left: objectBudget(bytes.length) }, 'ModelInferRequest');
  const request: WireInferRequest = {
    model_name: '',
    model_version: '',
    id: '',
    parameters: new Map(),
    inputs: [],
    outputs: [],
    raw_input_contents: [],
  };
  while (reader.more()) {
    const { field, wireType } = reader.tag();
    switch (field) {
      case 1:
        reader.expect('model_name', wireType, LENGTH_DELIMITED);
        request.model_name = reader.string('model_name');
        break;
      case 2:
        reader.expect('model_version', wireType, LENGTH_DELIMITED);
        request.model_version = reader.string('model_version');
        break;
      case 3:
        reader.expect('id', wireType, LENGTH_DELIMITED);
        request.id = reader.string('id');
        break;
      case 4:
        reader.expect('parameters', wireType, LENGTH_DELIMITED);
        mapEntry(reader.sub('parameters'), request.parameters);
        break;
      case 5:
        reader.expect('inputs', wireType, LENGTH_DELIMITED);
        request.inputs.push(inputTensor(reader.sub(`inputs[${request.inputs.length}]`)));
        break;
      case 6:
        reader.expect('outputs', wireType, LENGTH_DELIMITED);
        request.outputs.push(requestedOutput(reader.sub(`outputs[${request.outputs.length}]`)));
        break;
      case 7:
        reader.expect('raw_input_contents', wireType, LENGTH_DELIMITED);
        request.raw_input_contents.push(reader.bytesField());
        break;
      default:
        reader.skip(wireType);
    }
  }
  return request;
}
