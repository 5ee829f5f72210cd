/**
 * The repository index lists every version in the model repository, loaded or not, with its state and reason (as
 * Triton indexes a repository), over REST and gRPC alike: a client (the backend's deployments) can tell an unknown
 * version from one that is there but not loaded, and see why a version failed to load.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/server.js';
import { grpcClient, type OipClient, restClient } from './support/oip-clients.js';
import { startTestServer } from './support/server.js';
import { addBiasGraph, addModel, tempRepository } from './support/temp-repository.js';

let server: RunningServer;
let root: string;
const clients: OipClient[] = [];

beforeAll(async () => {
  ({ root } = await tempRepository());
  await addModel(path.join(root, 'adder'), null, { '1': addBiasGraph([1, 2, 3]) });
  server = await startTestServer({ modelRepository: root, grpcPort: 0 });
  clients.push(restClient(`http://127.0.0.1:${server.port}`), grpcClient(`127.0.0.1:${server.grpcPort}`));
});
afterAll(() => {
  for (const client of clients) client.close();
});

/** The index over both transports; they must agree. */
async function indexes(readyOnly = false) {
  const [rest, grpc] = await Promise.all(clients.map((client) => client.repositoryIndex(readyOnly)));
  expect(grpc).toEqual(rest);
  return rest!;
}

describe('POST /v2/repository/index and RepositoryIndex', () => {
  it('Should list a version added to the repository as UNAVAILABLE (not loaded) until a load, and not as ready', async () => {
    await addModel(path.join(root, 'adder'), null, { '2': addBiasGraph([10, 20, 30]) });
    expect(await indexes()).toEqual([
      { name: 'adder', version: '1', state: 'READY', reason: '' },
      { name: 'adder', version: '2', state: 'UNAVAILABLE', reason: 'not loaded' },
    ]);
    expect(await indexes(true)).toEqual([{ name: 'adder', version: '1', state: 'READY', reason: '' }]);
    await clients[0]!.load('adder');
    expect(await indexes()).toEqual([
      { name: 'adder', version: '1', state: 'READY', reason: '' },
      { name: 'adder', version: '2', state: 'READY', reason: '' },
    ]);
  });

  it('Should give a version that failed to load its own reason, while the loaded versions keep serving', async () => {
    await mkdir(path.join(root, 'adder', '3'), { recursive: true });
    await writeFile(path.join(root, 'adder', '3', 'model.onnx'), 'not an onnx file');
    await expect(clients[0]!.load('adder')).rejects.toThrow(/cannot load model adder: version 3/);
    const index = await indexes();
    expect(index.slice(0, 2)).toEqual([
      { name: 'adder', version: '1', state: 'READY', reason: '' },
      { name: 'adder', version: '2', state: 'READY', reason: '' },
    ]);
    expect(index[2]).toEqual({
      name: 'adder',
      version: '3',
      state: 'UNAVAILABLE',
      reason: expect.stringMatching(/\S/),
    });
    expect(index[2]!.reason).not.toBe('not loaded');
    await rm(path.join(root, 'adder', '3'), { recursive: true });
  });

  it('Should list a model that was never loaded, and an unloaded one, by version with the reason', async () => {
    await addModel(path.join(root, 'later'), null, { '1': addBiasGraph(), '4': addBiasGraph() });
    await clients[0]!.unload('adder');
    expect(await indexes()).toEqual([
      { name: 'adder', version: '1', state: 'UNAVAILABLE', reason: 'unloaded' },
      { name: 'adder', version: '2', state: 'UNAVAILABLE', reason: 'unloaded' },
      { name: 'later', version: '1', state: 'UNAVAILABLE', reason: 'not loaded' },
      { name: 'later', version: '4', state: 'UNAVAILABLE', reason: 'not loaded' },
    ]);
    expect(await indexes(true)).toEqual([]);
  });
});
