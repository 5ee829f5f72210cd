import fs from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';
import { FsBlobStorage } from '../../storage/fs-storage.js';

describe('Health, readiness and metrics', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('Should report liveness with the version', async () => {
    const res = await t.app.request('/health');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', version: '0.1.0', uptime_s: expect.any(Number) });
  });

  it('Should be ready with database and storage ok while reporting the model server unavailable', async () => {
    const res = await t.app.request('/ready');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: 'ready',
      checks: {
        database: { status: 'ok', dialect: 'sqlite' },
        storage: { status: 'ok', backend: 'fs' },
        model_server: { status: 'unavailable', detail: expect.stringMatching(/ECONNREFUSED/) },
      },
    });
  });

  it('Should report states, never the internal model server address, to anonymous callers', async () => {
    const text = await (await t.app.request('/ready')).text();
    const { host } = new URL(t.modelServerUrl);
    expect(text).not.toContain(host);
    expect(text).not.toContain('127.0.0.1');
    expect(text).not.toContain('url');
  });

  it('Should skip the model server when asked (so probes do not wake a scaled-to-zero predictor)', async () => {
    const res = await t.app.request('/ready?model_server=false');
    const body = (await res.json()) as { checks: { model_server: { status: string } } };
    expect(body.checks.model_server.status).toBe('skipped');
  });

  it('Should answer 503 when the storage is unusable', async () => {
    const blocker = `${t.dir}/not-a-directory`;
    await fs.writeFile(blocker, 'x');
    const broken = await createTestApp({ storage: new FsBlobStorage(`${blocker}/images`) });
    try {
      const res = await broken.app.request('/ready?model_server=false');
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({
        status: 'not_ready',
        checks: {
          database: { status: 'ok', dialect: 'sqlite' },
          storage: { status: 'error', detail: expect.stringMatching(/^(ENOTDIR|EEXIST)$/) },
        },
      });
      expect(JSON.stringify(await (await broken.app.request('/ready')).json())).not.toContain(t.dir);
    } finally {
      await broken.close();
    }
  });

  it('Should expose Prometheus metrics labelled by route pattern', async () => {
    await t.app.request(`/images/${'b'.repeat(64)}`);
    const res = await t.app.request('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await res.text();
    expect(text).toMatch(
      /backend_http_requests_total\{method="GET",route="\/images\/:image_id",status="404"\} 1/,
    );
    expect(text).toContain('backend_http_request_duration_seconds_bucket');
    expect(text).not.toContain('b'.repeat(64));
  });
});
