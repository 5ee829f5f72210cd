import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalHttpServer, startHttpServer } from '../../../test/support/http-server.js';
import { syntheticImage } from '../../../test/support/images.js';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';

const nothingStored = { images: 0, runs: 0, objects: 0, files: [] };

describe('POST /images with {"url"} refuses unsafe or bad URLs and stores nothing', () => {
  let server: LocalHttpServer;
  let strict: TestApp;
  let permissive: TestApp;

  beforeAll(async () => {
    const gif = await syntheticImage('gif');
    server = await startHttpServer((req, res) => {
      if (req.url === '/big.jpg') {
        res.writeHead(200, { 'content-type': 'image/jpeg' });
        res.end(Buffer.alloc(300 * 1024, 0xff));
        return;
      }
      if (req.url === '/anim.gif') {
        res.writeHead(200, { 'content-type': 'image/gif' });
        res.end(gif);
        return;
      }
      if (req.url === '/empty.jpg') {
        res.writeHead(200, { 'content-type': 'image/jpeg' });
        res.end();
        return;
      }
      res.writeHead(404);
      res.end();
    });
    strict = await createTestApp({ config: { maxUploadBytes: 256 * 1024 } });
    permissive = await createTestApp({
      config: { maxUploadBytes: 256 * 1024, urlFetch: { allowPrivate: true, timeoutMs: 2_000 } },
    });
  });
  afterAll(async () => {
    await strict.close();
    await permissive.close();
    await server.close();
  });

  const postUrl = (t: TestApp, url: unknown, path = '/images') =>
    t.app.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url }),
    });

  async function expectRefused(t: TestApp, res: Response, status: number, message: RegExp) {
    const body = (await res.json()) as { error: string };
    expect(res.status, body.error).toBe(status);
    expect(body.error).toMatch(message);
    expect(await t.stored()).toEqual(nothingStored);
  }

  it('Should refuse a loopback URL when URL_FETCH_ALLOW_PRIVATE is off', async () => {
    await expectRefused(
      strict,
      await postUrl(strict, `${server.origin}/big.jpg`),
      400,
      /refusing to fetch 127\.0\.0\.1/,
    );
  });

  it('Should refuse a host that resolves to loopback when URL_FETCH_ALLOW_PRIVATE is off', async () => {
    const res = await postUrl(strict, `http://localhost:${server.port}/big.jpg`);
    await expectRefused(strict, res, 400, /refusing to fetch localhost/);
  });

  it('Should refuse the cloud metadata address without connecting to it', async () => {
    const res = await postUrl(permissive, 'http://169.254.169.254/latest/meta-data/');
    await expectRefused(permissive, res, 400, /metadata address/);
  });

  it('Should refuse a file: URL', async () => {
    await expectRefused(strict, await postUrl(strict, 'file:///etc/passwd'), 400, /only http and https/);
  });

  it('Should answer 413 for a URL whose image is over MAX_UPLOAD_BYTES', async () => {
    await expectRefused(
      permissive,
      await postUrl(permissive, `${server.origin}/big.jpg`),
      413,
      /upload limit/,
    );
  });

  it('Should answer 415 for a URL serving an unsupported format', async () => {
    await expectRefused(permissive, await postUrl(permissive, `${server.origin}/anim.gif`), 415, /"gif"/);
  });

  it('Should refuse a URL that serves an empty body', async () => {
    await expectRefused(permissive, await postUrl(permissive, `${server.origin}/empty.jpg`), 400, /empty/);
  });

  it('Should answer 422 for a URL that answers 404', async () => {
    await expectRefused(permissive, await postUrl(permissive, `${server.origin}/nope.jpg`), 422, /HTTP 404/);
  });

  it('Should refuse the same way on GET /detect?image_url=… (same address policy as POST /detect)', async () => {
    const get = (t: TestApp, url: string) => t.app.request(`/detect?image_url=${encodeURIComponent(url)}`);
    await expectRefused(strict, await get(strict, `${server.origin}/big.jpg`), 400, /refusing to fetch/);
    await expectRefused(
      strict,
      await get(strict, `http://localhost:${server.port}/big.jpg`),
      400,
      /refusing/,
    );
    await expectRefused(
      permissive,
      await get(permissive, 'http://169.254.169.254/latest/meta-data/'),
      400,
      /metadata address/,
    );
    await expectRefused(strict, await get(strict, 'file:///etc/passwd'), 400, /only http and https/);
    await expectRefused(permissive, await get(permissive, `${server.origin}/big.jpg`), 413, /limit/);
    await expectRefused(permissive, await get(permissive, `${server.origin}/anim.gif`), 415, /"gif"/);
    await expectRefused(permissive, await get(permissive, `${server.origin}/empty.jpg`), 400, /empty/);
    await expectRefused(permissive, await get(permissive, `${server.origin}/nope.jpg`), 422, /HTTP 404/);
    const missing = await strict.app.request('/detect');
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { error: string }).error).toBe(
      'invalid query: image_url: the query parameter "image_url" is missing',
    );
  });

  it('Should refuse the same way on POST /detect', async () => {
    await expectRefused(
      strict,
      await postUrl(strict, `${server.origin}/big.jpg`, '/detect'),
      400,
      /refusing to fetch/,
    );
  });
});
