/**
 * The backend's smoke test (services/backend/scripts/smoke.ts) fails with a clear message when it cannot do its
 * job. Its success path runs against real services in run-all.test.ts.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { closedPort } from '../services/backend/test/support/processes.js';
import { ROOT, runSmoke } from './support/run.js';

describe('backend smoke test', () => {
  it('Should fail with exit 1 naming the URL when the backend cannot be reached', async () => {
    const port = await closedPort();
    const { code, output } = await runSmoke(['--base-url', `http://127.0.0.1:${port}`]);
    expect(code, output).toBe(1);
    expect(output).toContain(`smoke: uploading astronaut.jpg`);
    expect(output).toContain(`smoke: FAILED: POST /images: cannot reach http://127.0.0.1:${port}`);
  });

  it('Should fail with exit 1 naming the path when the image does not exist, relative to the caller', async () => {
    const { code, output } = await runSmoke(['--image', 'samples/no-such-photo.jpg']);
    expect(code, output).toBe(1);
    expect(output).toContain(`smoke: FAILED: no image at ${path.join(ROOT, 'samples/no-such-photo.jpg')}`);
  });
});
