/**
 * A minimal ONNX (ModelProto) writer for tiny test graphs: enough protobuf to declare typed inputs and
 * outputs, float/int64 initializers and nodes with int/ints/float attributes.
 */

export const ONNX_TYPES = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  DOUBLE: 11,
} as const;

export interface ValueInfo {
  name: string;
  type: number;
  /** Numbers are fixed dimensions, strings are symbolic (dynamic) ones. */
  shape: Array<number | string>;
}

export interface Initializer {
  name: string;
  type: typeof ONNX_TYPES.FLOAT | typeof ONNX_TYPES.INT64;
  dims: number[];
  values: number[];
}

export interface Node {
  op: string;
  inputs: string[];
  outputs: string[];
  attributes?: Record<string, number | number[] | { float: number }>;
}

export interface Graph {
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  initializers?: Initializer[];
  nodes: Node[];
  opset?: number;
}

class Writer {
  private readonly bytes: number[] = [];

  varint(value: number | bigint): this {
    let v = BigInt.asUintN(64, BigInt(value));
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v > 0n) byte |= 0x80;
      this.bytes.push(byte);
    } while (v > 0n);
    return this;
  }

  key(field: number, wireType: number): this {
    return this.varint((field << 3) | wireType);
  }

  int(field: number, value: number): this {
    return this.key(field, 0).varint(value);
  }

  raw(field: number, data: Uint8Array): this {
    this.key(field, 2).varint(data.length);
    for (const byte of data) this.bytes.push(byte);
    return this;
  }

  string(field: number, value: string): this {
    return this.raw(field, new TextEncoder().encode(value));
  }

  message(field: number, build: (writer: Writer) => void): this {
    const inner = new Writer();
    build(inner);
    return this.raw(field, inner.finish());
  }

  float(field: number, value: number): this {
    this.key(field, 5);
    const data = new Uint8Array(new Float32Array([value]).buffer);
    for (const byte of data) this.bytes.push(byte);
    return this;
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

function valueInfo(writer: Writer, info: ValueInfo): void {
  writer.string(1, info.name).message(2, (type) =>
    type.message(1, (tensor) =>
      tensor.int(1, info.type).message(2, (shape) => {
        for (const dim of info.shape) {
          shape.message(1, (d) => (typeof dim === 'number' ? d.int(1, dim) : d.string(2, dim)));
        }
      }),
    ),
  );
}

/** Serialises the graph as an ONNX model (IR 8, default opset 13). */
export function onnxModel(graph: Graph): Uint8Array {
  const writer = new Writer();
  writer.int(1, 8).string(2, 'model-server-tests');
  writer.message(7, (g) => {
    graph.nodes.forEach((node, index) => {
      g.message(1, (n) => {
        for (const input of node.inputs) n.string(1, input);
        for (const output of node.outputs) n.string(2, output);
        n.string(3, `${node.op}_${index}`).string(4, node.op);
        for (const [name, value] of Object.entries(node.attributes ?? {})) {
          n.message(5, (a) => {
            a.string(1, name);
            if (typeof value === 'number') a.int(3, value).int(20, 2);
            else if (Array.isArray(value)) {
              for (const v of value) a.int(8, v);
              a.int(20, 7);
            } else a.float(2, value.float).int(20, 1);
          });
        }
      });
    });
    g.string(2, 'test-graph');
    for (const init of graph.initializers ?? []) {
      g.message(5, (t) => {
        for (const dim of init.dims) t.int(1, dim);
        t.int(2, init.type).string(8, init.name);
        const data =
          init.type === ONNX_TYPES.FLOAT
            ? new Uint8Array(Float32Array.from(init.values).buffer)
            : new Uint8Array(BigInt64Array.from(init.values.map(BigInt)).buffer);
        t.raw(9, data);
      });
    }
    for (const input of graph.inputs) g.message(11, (w) => valueInfo(w, input));
    for (const output of graph.outputs) g.message(12, (w) => valueInfo(w, output));
  });
  writer.message(8, (opset) => opset.string(1, '').int(2, graph.opset ?? 13));
  return writer.finish();
}
