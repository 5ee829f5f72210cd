import { z } from 'zod';

/** Parameters the backend sends with every detection request; all optional (the model's defaults apply). */
export interface InferParameters {
  score_threshold?: number;
}

export const detectionOutputNames = ['boxes', 'scores', 'class_ids', 'labels'] as const;

/**
 * Builds an Open Inference Protocol request that carries the encoded image as one BYTES element through the
 * binary tensor extension: JSON header, then a 4-byte little-endian length and the image bytes.
 */
export function encodeInferRequest(
  id: string,
  image: Uint8Array,
  parameters: InferParameters,
): { body: Buffer; headerLength: number } {
  const header = Buffer.from(
    JSON.stringify({
      id,
      inputs: [
        {
          name: 'image',
          datatype: 'BYTES',
          shape: [1],
          parameters: { binary_data_size: 4 + image.byteLength },
        },
      ],
      parameters,
      outputs: detectionOutputNames.map((name) => ({ name })),
    }),
    'utf8',
  );
  return { body: Buffer.concat([header, lengthPrefixed(image)]), headerLength: header.byteLength };
}

/** One BYTES element as the binary tensor extension and gRPC's raw contents carry it: 4-byte LE length, then the bytes. */
export function lengthPrefixed(bytes: Uint8Array): Buffer {
  const element = Buffer.allocUnsafe(4 + bytes.byteLength);
  element.writeUInt32LE(bytes.byteLength, 0);
  element.set(bytes, 4);
  return element;
}

const outputTensorSchema = z.object({
  name: z.string(),
  datatype: z.string(),
  shape: z.array(z.number().int().nonnegative()),
  parameters: z.record(z.string(), z.unknown()).optional(),
  data: z.array(z.union([z.number(), z.string(), z.boolean(), z.array(z.unknown())])).optional(),
});

const inferResponseSchema = z.object({
  model_name: z.string(),
  model_version: z.union([z.string(), z.number()]).optional(),
  id: z.string().optional(),
  parameters: z.record(z.string(), z.unknown()).optional(),
  outputs: z.array(outputTensorSchema),
});

type OutputTensor = z.infer<typeof outputTensorSchema>;

export interface DecodedDetection {
  box: [number, number, number, number];
  score: number;
  classId: number;
  label: string;
}

export interface DecodedInferResponse {
  modelName: string;
  modelVersion: string | null;
  imageWidth: number | null;
  imageHeight: number | null;
  detections: DecodedDetection[];
}

export class InferResponseError extends Error {
  constructor(message: string) {
    super(`malformed inference response: ${message}`);
    this.name = 'InferResponseError';
  }
}

/**
 * Reads an inference response body. Outputs may come as JSON `data` or, when the server chose the binary extension
 * (`Inference-Header-Content-Length` set), as binary tensors appended after the JSON header.
 */
export function decodeInferResponse(body: Uint8Array, headerLength: number | null): DecodedInferResponse {
  const jsonBytes = headerLength === null ? body : body.subarray(0, headerLength);
  let parsed: unknown;
  try {
    parsed = JSON.parse(
      Buffer.from(jsonBytes.buffer, jsonBytes.byteOffset, jsonBytes.byteLength).toString('utf8'),
    );
  } catch {
    throw new InferResponseError('the body is not JSON');
  }
  const result = inferResponseSchema.safeParse(parsed);
  if (!result.success) throw new InferResponseError(result.error.issues[0]?.message ?? 'unexpected shape');
  const response = result.data;

  const tensors = new Map<string, unknown[]>();
  let offset = headerLength ?? body.byteLength;
  for (const output of response.outputs) {
    const binarySize = output.parameters?.binary_data_size;
    if (typeof binarySize === 'number') {
      if (offset + binarySize > body.byteLength)
        throw new InferResponseError(`binary data of ${output.name} is cut off`);
      tensors.set(output.name, decodeBinaryTensor(output, body.subarray(offset, offset + binarySize)));
      offset += binarySize;
    } else {
      tensors.set(output.name, (output.data ?? []).flat(Number.POSITIVE_INFINITY));
    }
  }
  return detectionsFromTensors(tensors, {
    modelName: response.model_name,
    modelVersion: response.model_version === undefined ? null : String(response.model_version),
    parameters: response.parameters ?? {},
  });
}

/**
 * The detections of a detection model's outputs (`boxes`, `scores`, `class_ids`, optional `labels`, each as
 * flat values), whatever transport carried them; the image size from the response parameters.
 */
export function detectionsFromTensors(
  tensors: ReadonlyMap<string, unknown[]>,
  response: { modelName: string; modelVersion: string | null; parameters: Record<string, unknown> },
): DecodedInferResponse {
  const boxes = numbers(tensors, 'boxes');
  const scores = numbers(tensors, 'scores');
  const classIds = numbers(tensors, 'class_ids');
  const labels = tensors.get('labels') ?? [];
  const count = scores.length;
  if (
    boxes.length !== count * 4 ||
    classIds.length !== count ||
    (labels.length !== 0 && labels.length !== count)
  ) {
    throw new InferResponseError(
      `output sizes disagree (boxes ${boxes.length}, scores ${count}, class_ids ${classIds.length}, labels ${labels.length})`,
    );
  }
  const detections: DecodedDetection[] = [];
  for (let i = 0; i < count; i++) {
    detections.push({
      box: [boxes[i * 4]!, boxes[i * 4 + 1]!, boxes[i * 4 + 2]!, boxes[i * 4 + 3]!],
      score: scores[i]!,
      classId: classIds[i]!,
      label: labels.length > 0 ? String(labels[i]) : String(classIds[i]),
    });
  }
  const width = response.parameters.image_width;
  const height = response.parameters.image_height;
  return {
    modelName: response.modelName,
    modelVersion: response.modelVersion,
    imageWidth: typeof width === 'number' ? width : null,
    imageHeight: typeof height === 'number' ? height : null,
    detections,
  };
}

function numbers(tensors: ReadonlyMap<string, unknown[]>, name: string): number[] {
  const values = tensors.get(name);
  if (!values) throw new InferResponseError(`output "${name}" is missing`);
  if (!values.every((value) => typeof value === 'number' && Number.isFinite(value))) {
    throw new InferResponseError(`output "${name}" holds non-numeric values`);
  }
  return values as number[];
}

/** A tensor in the binary layout of the binary tensor extension (and of gRPC's raw contents) as flat values. */
export function decodeBinaryTensor(
  output: Pick<OutputTensor, 'name' | 'datatype'>,
  bytes: Uint8Array,
): unknown[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const read = (size: number, get: (at: number) => number) => {
    if (bytes.byteLength % size !== 0)
      throw new InferResponseError(`binary ${output.name} has a partial element`);
    return Array.from({ length: bytes.byteLength / size }, (_, i) => get(i * size));
  };
  switch (output.datatype) {
    case 'FP32':
      return read(4, (at) => view.getFloat32(at, true));
    case 'FP64':
      return read(8, (at) => view.getFloat64(at, true));
    case 'INT32':
      return read(4, (at) => view.getInt32(at, true));
    case 'INT64':
      return read(8, (at) => Number(view.getBigInt64(at, true)));
    case 'BYTES': {
      const values: string[] = [];
      let at = 0;
      while (at < bytes.byteLength) {
        if (at + 4 > bytes.byteLength)
          throw new InferResponseError(`binary ${output.name} has a partial length`);
        const length = view.getUint32(at, true);
        at += 4;
        if (at + length > bytes.byteLength)
          throw new InferResponseError(`binary ${output.name} element is cut off`);
        values.push(Buffer.from(bytes.subarray(at, at + length)).toString('utf8'));
        at += length;
      }
      return values;
    }
    default:
      throw new InferResponseError(`unsupported datatype ${output.datatype} for ${output.name}`);
  }
}
