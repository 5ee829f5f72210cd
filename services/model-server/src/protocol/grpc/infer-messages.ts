import { InvalidInputError } from '../../errors.js';
import { elementCount, isBytesData } from '../../inference/datatypes.js';
import type {
  InferRequest,
  InferResponse,
  InferTensor,
  ModelMetadata,
  Parameters,
  ParameterValue,
  TensorData,
  TensorDatatype,
} from '../../inference/types.js';
import { tensorDataFromBinary, tensorDataToBinary } from '../binary-tensors.js';
import { issuesOf } from '../infer-codec.js';
import { InferenceRequest } from '../schemas.js';
import { tensorDataFromJson } from '../tensor-json.js';
import type {
  WireContents,
  WireInferRequest,
  WireInputTensor,
  WireParameter,
} from './infer-request-decoder.js';
import type {
  ModelInferResponseMessage,
  ModelMetadataResponseMessage,
  ParameterMap,
  TensorContentsMessage,
} from './messages.js';

/** The `InferTensorContents` field of each datatype; FP16 has none and travels as raw contents only. */
const CONTENTS_FIELD: Record<TensorDatatype, keyof TensorContentsMessage | null> = {
  BOOL: 'bool_contents',
  INT8: 'int_contents',
  INT16: 'int_contents',
  INT32: 'int_contents',
  INT64: 'int64_contents',
  UINT8: 'uint_contents',
  UINT16: 'uint_contents',
  UINT32: 'uint_contents',
  UINT64: 'uint64_contents',
  FP16: null,
  FP32: 'fp32_contents',
  FP64: 'fp64_contents',
  BYTES: 'bytes_contents',
};

function parameterValue(name: string, parameter: WireParameter): ParameterValue {
  if (parameter.kind === 'bool' || parameter.kind === 'string' || parameter.kind === 'double')
    return parameter.value;
  const value = Number(parameter.value);
  if (!Number.isSafeInteger(value))
    throw new InvalidInputError(`parameter "${name}": ${parameter.value} is out of range`);
  return value;
}

function parametersOf(map: Map<string, WireParameter>): Parameters | undefined {
  if (map.size === 0) return undefined;
  return Object.fromEntries([...map].map(([name, value]) => [name, parameterValue(name, value)]));
}

/** Integers as int64_param, other numbers as double_param; a list of strings as one comma-separated string. */
export function parametersToMessage(parameters: Parameters | undefined): ParameterMap | undefined {
  if (!parameters || Object.keys(parameters).length === 0) return undefined;
  const message: ParameterMap = {};
  for (const [name, value] of Object.entries(parameters)) {
    if (typeof value === 'boolean') message[name] = { bool_param: value };
    else if (typeof value === 'string') message[name] = { string_param: value };
    else if (typeof value === 'number')
      message[name] = Number.isSafeInteger(value) ? { int64_param: value } : { double_param: value };
    else message[name] = { string_param: value.join(',') };
  }
  return message;
}

/** Contents already in the datatype's storage are used as they are; narrower integers are range-checked. */
const SAME_STORAGE = new Set<TensorDatatype>([
  'BOOL',
  'INT32',
  'INT64',
  'UINT32',
  'UINT64',
  'FP32',
  'FP64',
  'BYTES',
]);

function contentsData(input: WireInputTensor, datatype: TensorDatatype, count: number): TensorData {
  const field = CONTENTS_FIELD[datatype];
  const given = Object.keys(input.contents) as Array<keyof WireContents>;
  if (field === null) {
    throw new InvalidInputError(`input "${input.name}": ${datatype} data must be sent in raw_input_contents`);
  }
  const wrong = given.filter((key) => key !== field);
  if (wrong.length > 0) {
    throw new InvalidInputError(
      `input "${input.name}": ${datatype} data belongs in contents.${field}, not ${wrong.join(', ')}`,
    );
  }
  const values = input.contents[field];
  if ((values?.length ?? 0) !== count) {
    throw new InvalidInputError(
      `input "${input.name}": shape [${input.shape.join(', ')}] needs ${count} elements, contents.${field} has ${values?.length ?? 0}`,
    );
  }
  if (!values) return datatype === 'BYTES' ? [] : tensorDataFromJson(input.name, datatype, [], 'utf8');
  if (SAME_STORAGE.has(datatype)) return values as TensorData;
  return tensorDataFromJson(input.name, datatype, values, 'utf8');
}

export interface DecodedGrpcInferRequest {
  request: InferRequest;
  /** The inputs came as raw_input_contents: the outputs go back as raw_output_contents (KServe's rule). */
  rawOutputs: boolean;
}

/**
 * A decoded ModelInferRequest → the data plane's request: tensors from `contents` or `raw_input_contents` (all
 * or none, as KServe and Triton require), the header checked with the REST request schema. `messageBytes` is
 * the encoded size, which bounds the element count a tensor may declare.
 */
export function inferRequestFromMessage(
  message: WireInferRequest,
  messageBytes: number,
): DecodedGrpcInferRequest {
  const { inputs, raw_input_contents: raw } = message;
  const inputParameters = inputs.map((input) => parametersOf(input.parameters));
  const header = InferenceRequest.safeParse({
    ...(message.id && { id: message.id }),
    ...(message.parameters.size > 0 && { parameters: parametersOf(message.parameters) }),
    inputs: inputs.map((input, i) => ({
      name: input.name,
      datatype: input.datatype,
      shape: input.shape.map(Number),
      ...(inputParameters[i] && { parameters: inputParameters[i] }),
    })),
    ...(message.outputs.length > 0 && {
      outputs: message.outputs.map((output) => {
        const parameters = parametersOf(output.parameters);
        return { name: output.name, ...(parameters && { parameters }) };
      }),
    }),
  });
  if (!header.success) throw new InvalidInputError(`invalid inference request: ${issuesOf(header.error)}`);
  if (raw.length > 0 && raw.length !== inputs.length) {
    throw new InvalidInputError(
      `raw_input_contents has ${raw.length} entries for ${inputs.length} input(s): give one per input, in order`,
    );
  }
  const tensors: InferTensor[] = header.data.inputs.map((input, i) => {
    const count = elementCount(input.shape);
    if (count > messageBytes) {
      throw new InvalidInputError(
        `input "${input.name}": shape [${input.shape.join(', ')}] has ${count} elements, more than a ${messageBytes}-byte request can carry`,
      );
    }
    let data: TensorData;
    if (raw.length > 0) {
      if (Object.keys(inputs[i]!.contents).length > 0) {
        throw new InvalidInputError(`input "${input.name}" has both contents and raw_input_contents`);
      }
      data = tensorDataFromBinary(input.name, input.datatype, count, raw[i]!);
    } else {
      data = contentsData(inputs[i]!, input.datatype, count);
    }
    return {
      name: input.name,
      datatype: input.datatype,
      shape: input.shape,
      data,
      ...(input.parameters && { parameters: input.parameters }),
    };
  });
  return {
    request: {
      ...(header.data.id !== undefined && { id: header.data.id }),
      parameters: header.data.parameters ?? {},
      inputs: tensors,
      ...(header.data.outputs && { outputs: header.data.outputs }),
    },
    rawOutputs: raw.length > 0,
  };
}

function contentsOf(output: InferTensor): TensorContentsMessage {
  const field = CONTENTS_FIELD[output.datatype]!;
  const data = output.data;
  if (isBytesData(data)) return { [field]: data };
  if (data instanceof BigInt64Array || data instanceof BigUint64Array)
    return { [field]: Array.from(data, String) };
  if (output.datatype === 'BOOL') return { [field]: Array.from(data, (value) => value !== 0) };
  return { [field]: Array.from(data as ArrayLike<number>) };
}

/**
 * The data plane's response → ModelInferResponse: raw_output_contents when the request came raw (or an output is
 * FP16, which has no contents field), typed contents otherwise.
 */
export function inferResponseToMessage(
  response: InferResponse,
  rawOutputs: boolean,
): ModelInferResponseMessage {
  const raw = rawOutputs || response.outputs.some((output) => output.datatype === 'FP16');
  const message: ModelInferResponseMessage = {
    model_name: response.modelName,
    model_version: response.modelVersion,
    ...(response.id !== undefined && { id: response.id }),
    ...(response.parameters && { parameters: parametersToMessage(response.parameters) }),
    outputs: response.outputs.map((output) => ({
      name: output.name,
      datatype: output.datatype,
      shape: output.shape,
      ...(output.parameters && { parameters: parametersToMessage(output.parameters) }),
      ...(!raw && { contents: contentsOf(output) }),
    })),
  };
  if (raw) message.raw_output_contents = response.outputs.map((output) => tensorDataToBinary(output.data));
  return message;
}

export function modelMetadataToMessage(metadata: ModelMetadata): ModelMetadataResponseMessage {
  return {
    name: metadata.name,
    versions: metadata.versions,
    platform: metadata.platform,
    inputs: metadata.inputs.map(({ name, datatype, shape }) => ({ name, datatype, shape })),
    outputs: metadata.outputs.map(({ name, datatype, shape }) => ({ name, datatype, shape })),
    ...(metadata.properties && { properties: metadata.properties }),
  };
}
