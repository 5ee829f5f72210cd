/**
 * Smoke test of a running backend: upload a real photo, expect 201 with at least one object, check that
 * GET /images/{id}/objects agrees, then delete the image.
 *
 *   pnpm --filter @detection/backend smoke -- --base-url http://127.0.0.1:8000 [--image path] [--token T]
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
// A public-domain photo committed with the repository, so the smoke test works on any clone.
const defaultImages = [path.resolve(repoRoot, 'samples/astronaut.jpg')];

class SmokeFailure extends Error {}

function fail(message: string): never {
  throw new SmokeFailure(message);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2).filter((arg) => arg !== '--'),
    options: {
      'base-url': { type: 'string', default: 'http://127.0.0.1:8000' },
      image: { type: 'string' },
      token: { type: 'string' },
      timeout: { type: 'string', default: '180000' },
    },
  });
  const baseUrl = values['base-url'].replace(/\/+$/, '');
  const imagePath = values.image ?? defaultImages.find((candidate) => fs.existsSync(candidate));
  if (!imagePath || !fs.existsSync(imagePath))
    fail(`no test image found (tried ${values.image ?? defaultImages.join(', ')})`);
  const headers: Record<string, string> = values.token ? { authorization: `Bearer ${values.token}` } : {};
  const timeoutMs = Number(values.timeout);
  const bytes = fs.readFileSync(imagePath);

  const call = async (method: string, route: string, body?: FormData) => {
    let res: Response;
    try {
      res = await fetch(`${baseUrl}${route}`, {
        method,
        headers,
        ...(body ? { body } : {}),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      fail(`${method} ${route}: cannot reach ${baseUrl} (${(error as Error).message})`);
    }
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      // Reported below with the raw text.
    }
    return { status: res.status, json: json as Record<string, unknown> | null, text };
  };

  const upload = () => {
    const form = new FormData();
    form.append('file', new Blob([bytes], { type: 'image/jpeg' }), path.basename(imagePath));
    return call('POST', '/images', form);
  };

  console.log(`smoke: uploading ${path.basename(imagePath)} (${bytes.length} bytes) to ${baseUrl}/images`);
  const started = performance.now();
  let created = await upload();
  if (created.status === 409 && typeof created.json?.image_id === 'string') {
    console.log(`smoke: image already stored as ${created.json.image_id}; deleting it and uploading again`);
    const removed = await call('DELETE', `/images/${created.json.image_id}`);
    if (removed.status !== 204)
      fail(`DELETE of the earlier copy answered ${removed.status}: ${removed.text}`);
    created = await upload();
  }
  if (created.status !== 201)
    fail(`POST /images answered ${created.status}, expected 201: ${created.text.slice(0, 500)}`);
  const imageId = created.json?.image_id;
  const detection = created.json?.detection as {
    count: number;
    detections: { object_id: string; label: string; score: number }[];
  };
  if (typeof imageId !== 'string' || !detection)
    fail(`POST /images returned an unexpected body: ${created.text.slice(0, 500)}`);
  const uploadMs = Math.round(performance.now() - started);

  try {
    if (detection.count < 1) fail(`expected at least one detected object, got ${detection.count}`);
    const listed = await call('GET', `/images/${imageId}/objects`);
    if (listed.status !== 200)
      fail(`GET /images/${imageId}/objects answered ${listed.status}: ${listed.text}`);
    const objects = (listed.json?.objects ?? []) as { object_id: string }[];
    const uploadedIds = detection.detections.map((d) => d.object_id).sort();
    const listedIds = objects.map((o) => o.object_id).sort();
    if (listed.json?.count !== detection.count || JSON.stringify(uploadedIds) !== JSON.stringify(listedIds)) {
      fail(
        `GET /images/${imageId}/objects disagrees with the upload (${listed.json?.count} vs ${detection.count} objects)`,
      );
    }
    const summary = detection.detections
      .slice(0, 5)
      .map((d) => `${d.label} ${d.score.toFixed(2)}`)
      .join(', ');
    console.log(
      `smoke: 201 in ${uploadMs} ms, ${detection.count} object(s): ${summary}${detection.count > 5 ? ', …' : ''}`,
    );
  } finally {
    const removed = await call('DELETE', `/images/${imageId}`);
    if (removed.status !== 204) fail(`DELETE /images/${imageId} answered ${removed.status}: ${removed.text}`);
  }
  console.log('smoke: OK (uploaded, objects agree, deleted)');
}

main().catch((error: unknown) => {
  console.error(`smoke: FAILED: ${error instanceof SmokeFailure ? error.message : (error as Error).stack}`);
  process.exit(1);
});
