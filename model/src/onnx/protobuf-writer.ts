const WIRE_VARINT = 0;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_FIXED32 = 5;

const textEncoder = new TextEncoder();

/**
 * Minimal protobuf encoder: fields are appended in the order they are written, which keeps the
 * output byte-for-byte deterministic for the same calls.
 */
export class ProtobufWriter {
  #chunks: Uint8Array[] = [];
  #scratch = new Uint8Array(10);

  get byteLength(): number {
    let total = 0;
    for (const chunk of this.#chunks) total += chunk.byteLength;
    return total;
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.byteLength);
    let offset = 0;
    for (const chunk of this.#chunks) {
      out.set(chunk, offset);
      offset += chunk.byteLength;
    }
    return out;
  }

  int64(field: number, value: number | bigint): this {
    this.#tag(field, WIRE_VARINT);
    this.#varint(BigInt.asUintN(64, BigInt(value)));
    return this;
  }

  int32(field: number, value: number): this {
    return this.int64(field, value);
  }

  float(field: number, value: number): this {
    this.#tag(field, WIRE_FIXED32);
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    this.#chunks.push(bytes);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, textEncoder.encode(value));
  }

  bytes(field: number, value: Uint8Array): this {
    this.#tag(field, WIRE_LENGTH_DELIMITED);
    this.#varint(BigInt(value.byteLength));
    this.#chunks.push(value);
    return this;
  }

  message(field: number, write: (writer: ProtobufWriter) => void): this {
    const nested = new ProtobufWriter();
    write(nested);
    return this.bytes(field, nested.finish());
  }

  packedInt64(field: number, values: ReadonlyArray<number | bigint>): this {
    const nested = new ProtobufWriter();
    for (const value of values) nested.#varint(BigInt.asUintN(64, BigInt(value)));
    return this.bytes(field, nested.finish());
  }

  packedFloat(field: number, values: ReadonlyArray<number>): this {
    const bytes = new Uint8Array(values.length * 4);
    const view = new DataView(bytes.buffer);
    for (const [index, value] of values.entries()) view.setFloat32(index * 4, value, true);
    return this.bytes(field, bytes);
  }

  #tag(field: number, wireType: number): void {
    this.#varint(BigInt((field << 3) | wireType));
  }

  #varint(value: bigint): void {
    let remaining = value;
    let length = 0;
    do {
      let byte = Number(remaining & 0x7fn);
      remaining >>= 7n;
      if (remaining !== 0n) byte |= 0x80;
      this.#scratch[length++] = byte;
    } while (remaining !== 0n);
    this.#chunks.push(this.#scratch.slice(0, length));
  }
}
