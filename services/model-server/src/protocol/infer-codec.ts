import type { z } from '@hono/zod-openapi';
import { InvalidInputError } from '../errors.js';
import { elementCount, NUMERIC_STORAGE } from '../inference/datatypes.js';
import type { InferRequest, InferResponse, InferTensor, Parameters, TensorSpec } from '../inference/types.js';
import { tensorDataFromBinary, tensorDataToBinary } from './binary-tensors.js';
import { InferenceRequest } from './schemas.js';
import { type BytesEncoding, flattenJsonData, tensorDataFromJson, tensorDataToJson } from './tensor-json.js';

export const HEADER_LENGTH_HEADER = 'inference-header-content-length';

export interface InferDecodeContext {
  /** The called model's inputs: raw binary requests fill its only input. */
  inputs: readonly TensorSpec[];
  /** How JSON strings of a BYTES input are read when its `content_type` parameter is absent. */
  defaultBytesEncoding(inputName: string): BytesEncoding;
}

export interface DecodedInferRequest {
  request: InferRequest;
  /** Raw binary requests get every output back as binary data (Triton's rule). */
  binaryOutputsByDefault: boolean;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

/** The first few problems of a failed schema check, with their paths, for an error message. */
export function issuesOf(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(body)'}: ${issue.message}`)
    .join('; ');
}

function parseHeaderLength(value: string, bodyLength: number): number {
  if (!/^[0-9]{1,15}$/.test(value.trim())) {
    throw new InvalidInputError(
      `${HEADER_LENGTH_HEADER} must be a non-negative integer, got "${value.slice(0, 40)}"`,
    );
  }
  const length = Number(value.trim());
  if (length > bodyLength) {
    throw new InvalidInputError(
      `${HEADER_LENGTH_HEADER} is ${length} but the body has only ${bodyLength} bytes`,
    );
  }
  return length;
}

function rawBinaryRequest(body: Uint8Array, inputs: readonly TensorSpec[]): InferRequest {
  if (inputs.length !== 1) {
    throw new InvalidInputError(
      `a raw binary request (${HEADER_LENGTH_HEADER}: 0) needs a model with exactly one input; this one has ${inputs.length}`,
    );
  }
  const spec = inputs[0]!;
  if (spec.datatype === 'BYTES') {
    if (spec.shape.length !== 1 || (spec.shape[0] !== 1 && spec.shape[0] !== -1)) {
      throw new InvalidInputError(
        `a raw binary request cannot fill BYTES input "${spec.name}" of shape [${spec.shape.join(', ')}]`,
      );
    }
    // The body is the one element, with or without its 4-byte length prefix.
    const prefixed =
      body.length >= 4 &&
      new DataView(body.buffer, body.byteOffset, 4).getUint32(0, true) === body.length - 4;
    return {
      parameters: {},
      inputs: [
        { name: spec.name, datatype: 'BYTES', shape: [1], data: [prefixed ? body.subarray(4) : body] },
      ],
    };
  }
  const size = NUMERIC_STORAGE[spec.datatype].BYTES_PER_ELEMENT;
  const dynamic = spec.shape.filter((dim) => dim < 0).length;
  const fixed = elementCount(spec.shape.filter((dim) => dim >= 0));
  if (dynamic > 1 || fixed === 0 || body.length % (fixed * size) !== 0) {
    throw new InvalidInputError(
      `a raw binary request of ${body.length} bytes does not fit input "${spec.name}" (${spec.datatype} [${spec.shape.join(', ')}])`,
    );
  }
  const shape = spec.shape.map((dim) => (dim < 0 ? body.length / (fixed * size) : dim));
  if (dynamic === 0 && body.length !== fixed * size) {
    throw new InvalidInputError(
      `input "${spec.name}" needs ${fixed * size} bytes, the raw binary request has ${body.length}`,
    );
  }
  return {
    parameters: {},
    inputs: [
      {
        name: spec.name,
        datatype: spec.datatype,
        shape,
        data: tensorDataFromBinary(spec.name, spec.datatype, elementCount(shape), body),
      },
    ],
  };
}

function bytesEncodingOf(
  name: string,
  parameters: Parameters | undefined,
  context: InferDecodeContext,
): BytesEncoding {
  const contentType = parameters?.content_type;
  if (contentType === undefined) return context.defaultBytesEncoding(name);
  if (contentType === 'base64') return 'base64';
  if (contentType === 'str' || contentType === 'utf8') return 'utf8';
  throw new InvalidInputError(
    `input "${name}": content_type must be "base64" or "str", got ${JSON.stringify(contentType)}`,
  );
}

/**
 * Decodes a REST inference request: JSON only, JSON header + binary tensors (Triton's binary tensor data
 * extension, `Inference-Header-Content-Length` = header bytes), or a raw binary request (header length 0).
 */
export function decodeInferRequest(
  body: Uint8Array,
  headerLengthValue: string | undefined,
  contentType: string | undefined,
  context: InferDecodeContext,
): DecodedInferRequest {
  let headerLength = body.length;
  if (headerLengthValue !== undefined) {
    headerLength = parseHeaderLength(headerLengthValue, body.length);
    if (headerLength === 0)
      return { request: rawBinaryRequest(body, context.inputs), binaryOutputsByDefault: true };
  } else if (contentType?.toLowerCase().startsWith('application/octet-stream')) {
    throw new InvalidInputError(
      `a binary request body needs the ${HEADER_LENGTH_HEADER} header (the byte length of its JSON header, or 0 for a raw binary request)`,
    );
  }
  const binary = body.subarray(headerLength);
  let json: unknown;
  try {
    json = JSON.parse(utf8.decode(body.subarray(0, headerLength)));
  } catch (error) {
    const where =
      headerLengthValue === undefined
        ? 'the request body'
        : `the inference header (first ${headerLength} bytes)`;
    throw new InvalidInputError(`${where} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = InferenceRequest.safeParse(json);
  if (!parsed.success) throw new InvalidInputError(`invalid inference request: ${issuesOf(parsed.error)}`);
  const header = parsed.data;
  const binaryOutput = header.parameters?.binary_data_output;
  if (binaryOutput !== undefined && typeof binaryOutput !== 'boolean') {
    throw new InvalidInputError('parameter "binary_data_output" must be true or false');
  }
  let cursor = 0;
  const inputs: InferTensor[] = header.inputs.map((input) => {
    const count = elementCount(input.shape);
    if (count > body.length) {
      throw new InvalidInputError(
        `input "${input.name}": shape [${input.shape.join(', ')}] has ${count} elements, more than a ${body.length}-byte request can carry`,
      );
    }
    const binarySize = input.parameters?.binary_data_size;
    let data: InferTensor['data'];
    if (binarySize !== undefined) {
      if (typeof binarySize !== 'number' || !Number.isSafeInteger(binarySize) || binarySize < 0) {
        throw new InvalidInputError(`input "${input.name}": binary_data_size must be a non-negative integer`);
      }
      if (input.data !== undefined) {
        throw new InvalidInputError(`input "${input.name}" has both "data" and binary_data_size`);
      }
      if (cursor + binarySize > binary.length) {
        throw new InvalidInputError(
          `input "${input.name}": binary_data_size ${binarySize} runs past the end of the body (${binary.length - cursor} binary bytes left)`,
        );
      }
      data = tensorDataFromBinary(
        input.name,
        input.datatype,
        count,
        binary.subarray(cursor, cursor + binarySize),
      );
      cursor += binarySize;
    } else {
      if (input.data === undefined) {
        throw new InvalidInputError(
          `input "${input.name}" has no "data" (or binary_data_size for binary data)`,
        );
      }
      const values = flattenJsonData(input.name, input.data, count);
      if (values.length !== count) {
        throw new InvalidInputError(
          `input "${input.name}": shape [${input.shape.join(', ')}] needs ${count} elements, "data" has ${values.length}`,
        );
      }
      data = tensorDataFromJson(
        input.name,
        input.datatype,
        values,
        bytesEncodingOf(input.name, input.parameters, context),
      );
    }
    return {
      name: input.name,
      datatype: input.datatype,
      shape: input.shape,
      data,
      ...(input.parameters && { parameters: input.parameters }),
    };
  });
  if (cursor !== binary.length) {
    throw new InvalidInputError(
      `the body has ${binary.length} bytes after the inference header but the inputs' binary_data_size add up to ${cursor}`,
    );
  }
  for (const output of header.outputs ?? []) {
    const flag = output.parameters?.binary_data;
    if (flag !== undefined && typeof flag !== 'boolean') {
      throw new InvalidInputError(`output "${output.name}": binary_data must be true or false`);
    }
  }
  return {
    request: {
      ...(header.id !== undefined && { id: header.id }),
      parameters: header.parameters ?? {},
      inputs,
      ...(header.outputs && { outputs: header.outputs }),
    },
    binaryOutputsByDefault: false,
  };
}

export interface EncodedInferResponse {
  body: string | Uint8Array;
  contentType: string;
  /** Set when the body carries binary tensors after the JSON header. */
  headerLength?: number;
}

/** Encodes a response: JSON, or JSON header + binary tensors for outputs asked as binary_data. */
export function encodeInferResponse(
  response: InferResponse,
  request: InferRequest,
  binaryOutputsByDefault: boolean,
): EncodedInferResponse {
  const binaryDefault = request.parameters.binary_data_output === true || binaryOutputsByDefault;
  const parts: Uint8Array[] = [];
  const outputs = response.outputs.map((output) => {
    const asked = request.outputs?.find((candidate) => candidate.name === output.name)?.parameters
      ?.binary_data;
    const binary = typeof asked === 'boolean' ? asked : binaryDefault;
    if (binary) {
      const bytes = tensorDataToBinary(output.data);
      parts.push(bytes);
      return {
        name: output.name,
        datatype: output.datatype,
        shape: output.shape,
        parameters: { ...output.parameters, binary_data_size: bytes.length },
      };
    }
    const { values, bytesEncoding } = tensorDataToJson(output.datatype, output.data);
    const parameters = {
      ...output.parameters,
      ...(bytesEncoding === 'base64' && { content_type: 'base64' }),
    };
    return {
      name: output.name,
      datatype: output.datatype,
      shape: output.shape,
      ...(Object.keys(parameters).length > 0 && { parameters }),
      data: values,
    };
  });
  const header = JSON.stringify({
    model_name: response.modelName,
    model_version: response.modelVersion,
    ...(response.id !== undefined && { id: response.id }),
    ...(response.parameters && { parameters: response.parameters }),
    outputs,
  });
  if (parts.length === 0) return { body: header, contentType: 'application/json' };
  const headerBytes = encoder.encode(header);
  const body = new Uint8Array(headerBytes.length + parts.reduce((sum, part) => sum + part.length, 0));
  body.set(headerBytes, 0);
  let offset = headerBytes.length;
  for (const part of parts) {
    body.set(part, offset);
    offset += part.length;
  }
  return { body, contentType: 'application/octet-stream', headerLength: headerBytes.length };
}
