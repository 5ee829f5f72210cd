import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import { expect } from 'vitest';
import { parse } from 'yaml';

/** The Open Inference Protocol REST spec (see third_party/specs/PROVENANCE.md). */
export const OIP_SPEC = fileURLToPath(
  new URL('../../../../third_party/specs/oip/open_inference_rest.yaml', import.meta.url),
);

const spec = parse(readFileSync(OIP_SPEC, 'utf8')) as { components: { schemas: Record<string, unknown> } };
const definitions = JSON.parse(
  JSON.stringify(spec.components.schemas).replaceAll('#/components/schemas/', 'oip#/definitions/'),
) as Record<string, Record<string, unknown>>;

// Binary tensor data extension: an output sent as binary carries parameters.binary_data_size instead of data.
const responseOutput = definitions.response_output!;
definitions.binary_response_output = {
  ...responseOutput,
  required: ['name', 'shape', 'datatype', 'parameters'],
  properties: {
    ...(responseOutput.properties as object),
    parameters: {
      type: 'object',
      required: ['binary_data_size'],
      properties: { binary_data_size: { type: 'integer', minimum: 0 } },
    },
    data: false,
  },
};
definitions.binary_inference_response = {
  ...definitions.inference_response,
  properties: {
    ...(definitions.inference_response!.properties as object),
    outputs: {
      type: 'array',
      items: {
        anyOf: [
          { $ref: 'oip#/definitions/response_output' },
          { $ref: 'oip#/definitions/binary_response_output' },
        ],
      },
    },
  },
};

// inference_rest.md objects the yaml leaves undescribed, and Triton's model-repository extension.
const extra: Record<string, object> = {
  live_server_response: { type: 'object', required: ['live'], properties: { live: { type: 'boolean' } } },
  ready_server_response: { type: 'object', required: ['ready'], properties: { ready: { type: 'boolean' } } },
  ready_model_response: {
    type: 'object',
    required: ['name', 'ready'],
    properties: { name: { type: 'string' }, ready: { type: 'boolean' } },
  },
  /** Every error, whatever the route: exactly {"error": string}. */
  error_response: {
    type: 'object',
    required: ['error'],
    additionalProperties: false,
    properties: { error: { type: 'string', minLength: 1 } },
  },
  repository_index_response: {
    type: 'array',
    items: {
      type: 'object',
      required: ['name', 'state', 'reason'],
      properties: {
        name: { type: 'string' },
        version: { type: 'string' },
        state: { type: 'string' },
        reason: { type: 'string' },
      },
    },
  },
  repository_load_response: { type: 'object' },
};

const ajv = new Ajv({ allErrors: true, strict: true });
ajv.addVocabulary(['x-examples']);
ajv.addSchema({ $id: 'oip', definitions: { ...definitions, ...extra } });

export type OipObject =
  | 'metadata_server_response'
  | 'metadata_model_response'
  | 'inference_response'
  | 'binary_inference_response'
  | 'inference_error_response'
  | 'metadata_server_error_response'
  | 'metadata_model_error_response'
  | keyof typeof extra;

const validators = new Map<OipObject, ValidateFunction>();

export function oipValidator(name: OipObject): ValidateFunction {
  let validate = validators.get(name);
  if (!validate) {
    const compiled = ajv.getSchema(`oip#/definitions/${name}`);
    if (!compiled) throw new Error(`no schema ${name}`);
    validate = compiled;
    validators.set(name, validate);
  }
  return validate;
}

/** Asserts that a parsed body conforms to the named schema, showing ajv's errors when it does not. */
export function expectConforms(body: unknown, name: OipObject): void {
  const validate = oipValidator(name);
  const valid = validate(body);
  expect(valid, `${name}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 500)}`).toBe(
    true,
  );
}

/** An error response: the status, and a body of exactly {"error": "..."} valid for the OIP error objects. */
export async function expectError(response: Response, status: number, message?: RegExp): Promise<string> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const body = JSON.parse(text) as { error: string };
  expectConforms(body, 'error_response');
  expectConforms(body, 'inference_error_response');
  expectConforms(body, 'metadata_model_error_response');
  if (message) expect(body.error).toMatch(message);
  return body.error;
}

// biome-ignore lint/suspicious/noExplicitAny: bodies are checked against the OIP schema, then read freely by the tests.
export type JsonBody = any;

export async function jsonOf(response: Response): Promise<JsonBody> {
  return response.json();
}
