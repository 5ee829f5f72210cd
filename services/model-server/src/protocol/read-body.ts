import { IncomingMessage } from 'node:http';
import { InvalidInputError, PayloadTooLargeError } from '../errors.js';

/**
 * Reads a request body into memory, refusing (413) anything over `maxBytes` before or while reading it.
 * Under Node's HTTP server the body is read from the IncomingMessage itself, skipping the web-stream adapter.
 */
export async function readBody(request: Request, maxBytes: number, incoming?: unknown): Promise<Uint8Array> {
  const tooLarge = () =>
    new PayloadTooLargeError(
      `the request body is larger than the limit of ${maxBytes} bytes (MAX_REQUEST_BYTES)`,
    );
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > maxBytes) throw tooLarge();
  const source: AsyncIterable<Uint8Array> | null =
    incoming instanceof IncomingMessage && !incoming.readableDidRead ? incoming : request.body;
  if (!source) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of source) {
      size += chunk.length;
      if (size > maxBytes) throw tooLarge();
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof PayloadTooLargeError) throw error;
    throw new InvalidInputError(`the request body could not be read: ${(error as Error).message}`);
  }
  if (chunks.length === 1) return chunks[0]!;
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.length;
  }
  return body;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** An optional JSON object body (empty body = `{}`), as the model-repository extension allows. */
export async function readOptionalJsonObject(
  request: Request,
  maxBytes: number,
): Promise<Record<string, unknown>> {
  const body = await readBody(request, maxBytes);
  const text = (() => {
    try {
      return utf8.decode(body).trim();
    } catch {
      throw new InvalidInputError('the request body is not UTF-8 text');
    }
  })();
  if (text === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InvalidInputError(`the request body is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidInputError('the request body must be a JSON object');
  }
  return value as Record<string, unknown>;
}
