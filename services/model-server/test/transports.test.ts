/**
 * The same protocol and detection cases over REST (real HTTP) and gRPC (real HTTP/2), against one server with the
 * real CenterNet and BlazeFace models. REST-only matters (JSON schema conformance, the binary extension's
 * encodings, HTTP errors, metrics, OpenAPI) are in api.test.ts; gRPC-only ones in grpc.test.ts.
 */
import { afterAll, beforeAll, describe } from 'vitest';
import type { RunningServer } from '../src/server.js';
import { detectionCases } from './cases/detection-cases.js';
import { protocolCases } from './cases/protocol-cases.js';
import { grpcClient, type OipClient, restClient, type Transport } from './support/oip-clients.js';
import { startTestServer } from './support/server.js';

let server: RunningServer;
const clients = new Map<Transport, OipClient>();

beforeAll(async () => {
  server = await startTestServer({ grpcPort: 0 });
  clients.set('rest', restClient(server.url));
  clients.set('grpc', grpcClient(`127.0.0.1:${server.grpcPort}`));
});
afterAll(() => {
  for (const client of clients.values()) client.close();
});

describe.each(['rest', 'grpc'] as const)('over %s', (transport) => {
  const client = () => clients.get(transport)!;
  protocolCases(client);
  detectionCases(client);
});
