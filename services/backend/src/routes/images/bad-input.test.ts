import { readShippedPhoto } from '@detection/test-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  blobOf,
  jpegWithClaimedSize,
  multipart,
  pngBomb,
  syntheticImage,
} from '../../../test/support/images.js';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';

const nothingStored = { images: 0, runs: 0, objects: 0, files: [] };

describe('POST /images refuses bad input and stores nothing', () => {
  let t: TestApp;
  let jpeg: Buffer;

  beforeAll(async () => {
    t = await createTestApp({ config: { maxUploadBytes: 256 * 1024, maxImagePixels: 40_000_000 } });
    jpeg = readShippedPhoto('000000000086.jpg');
  });
  afterAll(() => t.close());

  async function expectRefused(res: Response, status: number, message: RegExp) {
    const body = (await res.json()) as { error: string };
    expect(res.status, JSON.stringify(body)).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(Object.keys(body)).toEqual(['error']);
    expect(body.error).toMatch(message);
    expect(await t.stored()).toEqual(nothingStored);
  }

  const post = (body: FormData | string | Uint8Array, headers: Record<string, string> = {}, query = '') =>
    t.app.request(`/images${query}`, { method: 'POST', body, headers });

  it('Should refuse an empty file', async () => {
    await expectRefused(await post(multipart(blobOf(new Uint8Array()))), 400, /empty/);
  });

  it('Should refuse a multipart body without a "file" field', async () => {
    await expectRefused(await post(multipart(null)), 400, /"file" is missing/);
  });

  it('Should refuse a "file" field that is text, not a file', async () => {
    await expectRefused(await post(multipart('just text')), 400, /"file" must be a file/);
  });

  it('Should refuse bytes that are not an image', async () => {
    const text = new TextEncoder().encode('hello, this is definitely not an image\n'.repeat(20));
    await expectRefused(await post(multipart(blobOf(text), 'notes.jpg')), 400, /not an image/);
  });

  it('Should refuse a truncated JPEG', async () => {
    const truncated = jpeg.subarray(0, Math.floor(jpeg.length * 0.6));
    await expectRefused(await post(multipart(blobOf(truncated))), 400, /truncated/);
  });

  it('Should refuse a truncated PNG', async () => {
    const png = await syntheticImage('png', 200, 150);
    await expectRefused(
      await post(multipart(blobOf(png.subarray(0, png.length - 20)), 'a.png')),
      400,
      /truncated/,
    );
  });

  it('Should answer 413 for a file over MAX_UPLOAD_BYTES', async () => {
    const big = Buffer.concat([jpeg, Buffer.alloc(256 * 1024 - jpeg.length + 1)]);
    await expectRefused(await post(multipart(blobOf(big))), 413, /more than the 262144-byte upload limit/);
  });

  it('Should answer 413 for a request body far over the limit without reading it all', async () => {
    const huge = Buffer.alloc(3 * 1024 * 1024, 0xab);
    await expectRefused(await post(multipart(blobOf(huge))), 413, /larger than the 262144-byte upload limit/);
  });

  it('Should answer 413 for a PNG decompression bomb, from its header alone', async () => {
    const bomb = pngBomb(60_000, 60_000);
    expect(bomb.length).toBeLessThan(64 * 1024);
    await expectRefused(
      await post(multipart(blobOf(bomb), 'bomb.png')),
      413,
      /60000x60000 .* more than the limit/,
    );
  });

  it('Should answer 413 for a JPEG whose header claims huge dimensions', async () => {
    const bomb = jpegWithClaimedSize(await syntheticImage('jpeg'), 50_000, 50_000);
    await expectRefused(await post(multipart(blobOf(bomb))), 413, /50000x50000/);
  });

  it('Should answer 415 for an unsupported image format (GIF)', async () => {
    await expectRefused(await post(multipart(blobOf(await syntheticImage('gif')), 'a.gif')), 415, /"gif"/);
  });

  it('Should answer 415 for an unsupported image format (TIFF)', async () => {
    await expectRefused(await post(multipart(blobOf(await syntheticImage('tiff')), 'a.tif')), 415, /"tiff"/);
  });

  it('Should answer 415 for an unsupported request content type', async () => {
    await expectRefused(await post(jpeg, { 'content-type': 'image/jpeg' }), 415, /unsupported media type/i);
  });

  it('Should refuse malformed JSON', async () => {
    await expectRefused(
      await post('{"url": "http://x', { 'content-type': 'application/json' }),
      400,
      /json/i,
    );
  });

  it('Should refuse JSON without a "url"', async () => {
    await expectRefused(await post('{"link": "x"}', { 'content-type': 'application/json' }), 400, /"url"/);
  });

  it('Should refuse JSON whose "url" is not a string', async () => {
    await expectRefused(await post('{"url": 42}', { 'content-type': 'application/json' }), 400, /url/);
  });

  it('Should refuse a request without any body', async () => {
    const res = await t.app.request('/images', { method: 'POST' });
    await expectRefused(res, 400, /multipart\/form-data with a "file" field/);
  });

  it('Should answer 415 for a text body', async () => {
    await expectRefused(await post('file=abc'), 415, /unsupported media type "text\/plain/);
  });

  it('Should refuse a malformed multipart body', async () => {
    const body =
      '--wrong\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n\r\nxx\r\n--wrong--';
    const res = await post(body, { 'content-type': 'multipart/form-data; boundary=expected' });
    await expectRefused(res, 400, /form|multipart|file/i);
  });

  it.each([
    ['../../etc/passwd.jpg'],
    ['..\\..\\windows\\win.ini'],
    ['/etc/shadow'],
    ['photos/../../x.jpg'],
    ['..'],
  ])('Should refuse the path-traversal file name %s', async (filename) => {
    await expectRefused(await post(multipart(blobOf(jpeg), filename)), 400, /invalid file name/);
  });

  it('Should refuse a file name with control characters', async () => {
    await expectRefused(await post(multipart(blobOf(jpeg), 'evil\u0001name.jpg')), 400, /control characters/);
  });

  it.each([
    ['score_threshold=1e999', /score_threshold/],
    ['score_threshold=7', /score_threshold: must be between 0 and 1/],
    ['score_threshold=abc', /score_threshold/],
    [`model=${'m'.repeat(10_000)}`, /model: must be at most 128 characters/],
    ['model=../../etc', /model: must be a model name/],
  ])('Should refuse the query %#', async (query, message) => {
    await expectRefused(await post(multipart(blobOf(jpeg)), {}, `?${query}`), 400, message);
  });
});

describe('Queries and ids are validated', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  const hash = 'a'.repeat(64);
  it.each([
    ['an id that is not hex', '/images/not-a-hash', /image_id: must be the 64-character hex SHA-256/],
    ['a 63-character id', `/images/${'a'.repeat(63)}`, /image_id/],
    ['a non-hex id under objects', `/images/${'g'.repeat(64)}/objects`, /image_id/],
    ['an object id that is not a UUID', `/images/${hash}/objects/not-a-uuid`, /object_id: must be a UUID/],
    ['min_score above 1', `/images/${hash}/objects?min_score=2`, /min_score: must be between 0 and 1/],
    [
      'a 5000-character label',
      `/images/${hash}/objects?label=${'x'.repeat(5000)}`,
      /label: must be at most 100/,
    ],
    ['a 24-digit limit', '/images?limit=100000000000000000000000', /limit: must be between 1 and 100/],
    ['limit 0', '/images?limit=0', /limit/],
    ['a fractional limit', '/images?limit=2.5', /limit: must be an integer/],
    ['a 5000-character cursor', `/images?cursor=${'z'.repeat(5000)}`, /cursor/],
    ['a forged cursor', '/images?cursor=bm90LWEtY3Vyc29y', /cursor: is not a cursor returned by this API/],
  ])('Should answer 400 for %s', async (_case, path, message) => {
    const res = await t.app.request(path);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string };
    expect(body.error).toMatch(message);
  });

  it.each([
    ['DELETE', `/images/${'x'.repeat(64)}`],
    ['POST', `/images/${'x'.repeat(64)}/detections`],
  ])('Should answer 400 for %s with an invalid id', async (method, path) => {
    const res = await t.app.request(path, { method });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/image_id/);
  });

  it.each([
    ['GET', ''],
    ['GET', '/file'],
    ['GET', '/annotated'],
    ['GET', '/objects'],
    ['GET', '/objects/6f1c2c8e-4d3b-4f0e-9a47-2f6f3b1e8d21'],
    ['DELETE', ''],
    ['POST', '/detections'],
  ])('Should answer 404 with a JSON error for %s /images/{unknown}%s', async (method, suffix) => {
    const res = await t.app.request(`/images/${hash}${suffix}`, { method });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: string }).error).toMatch(/image a{64} not found/);
  });

  it('Should answer 404 with a JSON error for an unknown API route', async () => {
    const res = await t.app.request('/images/a/b/c/d', { headers: { accept: 'text/html' } });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: expect.stringMatching(/not found|no route/) });
  });
});
