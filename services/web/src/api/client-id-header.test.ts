import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from './client.js';

describe('ApiClient and X-Client-Id', () => {
  const seen: Array<string | undefined> = [];
  let server: http.Server;
  let baseUrl: string;

  beforeAll(async () => {
    server = http.createServer((request, response) => {
      seen.push(request.headers['x-client-id'] as string | undefined);
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ default_model: 'centernet-coco', models: [] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('Should send the client id with each request, and no header without one', async () => {
    await new ApiClient({ baseUrl, clientId: 'web-1234' }).models();
    await new ApiClient({ baseUrl }).models();
    expect(seen).toEqual(['web-1234', undefined]);
  });
});
