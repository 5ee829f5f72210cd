import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shippedPhoto } from '../test/support/hostile-images.js';
import { blobOf, multipart } from '../test/support/images.js';
import { createTestApp, type TestApp } from '../test/support/test-app.js';
import { createLogger } from './logger.js';

/** A pino destination that keeps the parsed lines. */
function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, stream };
}

describe('the backend log (LOG_LEVEL)', () => {
  let t: TestApp;
  const debug = capture();
  beforeAll(async () => {
    t = await createTestApp({ logger: createLogger('debug', debug.stream) });
  });
  afterAll(() => t.close());

  it("Should write the model server's format: the level as a label and the time in ISO 8601", () => {
    const { lines, stream } = capture();
    const logger = createLogger('info', stream);
    logger.info({ port: 8000 }, 'backend listening');
    logger.debug('not at info');
    expect(lines).toEqual([
      {
        level: 'info',
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        service: 'backend',
        port: 8000,
        msg: 'backend listening',
      },
    ]);
  });

  it('Should say, at debug, what an upload was and what the model server did with it', async () => {
    const res = await t.app.request('/images', { method: 'POST', body: multipart(blobOf(shippedPhoto())) });
    expect(res.status).toBe(503);
    const { image_id } = (await res.json()) as { image_id: string };
    const requestId = res.headers.get('x-request-id');
    const debugLines = debug.lines.filter((line) => line.level === 'debug');
    expect(debugLines).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          msg: 'upload validated',
          request_id: requestId,
          image_id,
          format: 'jpeg',
          width: 427,
          height: 640,
          validate_ms: expect.any(Number),
        }),
        expect.objectContaining({
          msg: 'model server call failed',
          request_id: requestId,
          model: 'centernet-coco',
          outcome: 'unavailable',
          attempts: 1,
        }),
      ]),
    );
    expect(debug.lines.find((line) => line.msg === 'request')).toMatchObject({ level: 'warn', status: 503 });
  });
});
