import { inferenceServiceDefinition } from '@detection/model-server/grpc';
import {
  Metadata,
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type sendUnaryData,
  status,
} from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GrpcModelClient } from './grpc-model-client.js';
import type { ModelServerError } from './model-client.js';

/**
 * A real gRPC server (grpc-js, the model server's service definition) whose ModelInfer answers what a test queues:
 * how the client tells a busy model server (UNAVAILABLE with a `retry-after` trailer, as the model server sends
 * when a model's queue is full) from a starting one (UNAVAILABLE alone).
 */
describe('GrpcModelClient against a gRPC server that is busy or starting', () => {
  let server: Server;
  let address: string;
  const answers: Array<{ retryAfter?: string }> = [];
  let calls = 0;

  beforeAll(async () => {
    server = new Server();
    server.addService(inferenceServiceDefinition(), {
      ModelInfer: (_call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => {
        calls += 1;
        const answer = answers.shift() ?? { retryAfter: '1' };
        const metadata = new Metadata();
        if (answer.retryAfter !== undefined) metadata.set('retry-after', answer.retryAfter);
        callback({ code: status.UNAVAILABLE, details: 'model "m" is busy', metadata });
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
    address = `127.0.0.1:${port}`;
  });
  afterAll(() => server.forceShutdown());

  const detect = async () => {
    const client = new GrpcModelClient({
      address,
      requestTimeoutMs: 2_000,
      retryDeadlineMs: 10_000,
      initialBackoffMs: 10,
      maxBackoffMs: 20,
    });
    try {
      await client.detect(new Uint8Array([1]), { model: 'm' });
      throw new Error('detect should have failed');
    } catch (error) {
      return error as ModelServerError;
    } finally {
      client.close();
    }
  };

  it.each([
    ['retry-after 7', '7', 7],
    ['an unreadable retry-after (taken as 1 s)', 'soon', 1],
    ['retry-after asking for ten minutes (capped)', '600', 60],
  ])('Should fail at once as "overloaded" on UNAVAILABLE with %s', async (_, retryAfter, seconds) => {
    answers.push({ retryAfter });
    calls = 0;
    const error = await detect();
    expect(error).toMatchObject({
      failure: 'overloaded',
      attempts: 1,
      upstreamStatus: 503,
      retryAfterSeconds: seconds,
    });
    expect(calls).toBe(1);
  });

  it('Should retry UNAVAILABLE without retry-after (starting), then pass a busy answer on', async () => {
    answers.push({}, {}, { retryAfter: '2' });
    calls = 0;
    const error = await detect();
    expect(error).toMatchObject({ failure: 'overloaded', attempts: 3, retryAfterSeconds: 2 });
    expect(calls).toBe(3);
  });
});
