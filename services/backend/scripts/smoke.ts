/**
 * Smoke test of a running backend, end to end through the model server:
 *   POST /images (a real photo) → 201 with at least one detected object
 *   → GET /images/{id}/objects lists the same objects
 *   → GET /images/{id}/objects/{object_id} returns one of them unchanged,
 * then prints the detections (label, score, bbox). The image is kept, so it shows in the web UI; if the
 * same photo was already stored, that copy is deleted first so the upload and detection run again.
 *
 *   pnpm --filter @detection/backend smoke -- --base-url http://127.0.0.1:8000
 *     [--image path] [--token T] [--timeout ms] [--json file] [--delete]
 *
 *   --token T     bearer token, for a backend started with API_TOKENS (default: env API_TOKEN)
 *   --json file   also write the result (image, model, detections, timings) as JSON to `file`
 *   --delete      delete the image at the end instead of keeping it
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { z } from '@hono/zod-openapi';
import { ImageWithDetectionsSchema, ObjectListSchema, ObjectSummarySchema } from '../src/routes/schemas.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
// A public-domain photo committed with the repository (attribution: samples/README.md).
const defaultImage = path.join(repoRoot, 'samples/astronaut.jpg');

type Detection = z.infer<typeof ObjectSummarySchema>;

class SmokeFailure extends Error {}

function fail(message: string): never {
  throw new SmokeFailure(message);
}

/** Beyond the API's schema: a probability for a score, and corners in order. */
const plausible = (d: Detection) =>
  d.score >= 0 && d.score <= 1 && d.bbox[0] <= d.bbox[2] && d.bbox[1] <= d.bbox[3];

const sameDetection = (a: Detection, b: Detection) =>
  a.object_id === b.object_id &&
  a.label === b.label &&
  Math.abs(a.score - b.score) < 1e-6 &&
  a.bbox.every((v, i) => Math.abs(v - b.bbox[i]!) < 1e-3);

/** One line per object: label, score, [x_min, y_min, x_max, y_max] in image pixels. */
function formatDetections(detections: Detection[]): string[] {
  const width = Math.max(...detections.map((d) => d.label.length));
  return detections.map(
    (d) =>
      `${d.label.padEnd(width)}  ${d.score.toFixed(3)}  [${d.bbox.map((v) => Math.round(v)).join(', ')}]`,
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2).filter((arg) => arg !== '--'),
    options: {
      'base-url': { type: 'string', default: 'http://127.0.0.1:8000' },
      image: { type: 'string' },
      token: { type: 'string' },
      timeout: { type: 'string', default: '180000' },
      json: { type: 'string' },
      delete: { type: 'boolean', default: false },
    },
  });
  const baseUrl = values['base-url'].replace(/\/+$/, '');
  // Relative paths are the caller's: pnpm runs this script from the backend package.
  const callerDir = process.env.INIT_CWD ?? process.cwd();
  const imagePath = values.image ? path.resolve(callerDir, values.image) : defaultImage;
  if (!fs.existsSync(imagePath)) fail(`no image at ${imagePath}`);
  const jsonPath = values.json ? path.resolve(callerDir, values.json) : undefined;
  const timeoutMs = Number(values.timeout);
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) fail(`--timeout must be a positive number of ms`);
  const token = values.token || process.env.API_TOKEN;
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const bytes = fs.readFileSync(imagePath);
  const contentType = /\.png$/i.test(imagePath)
    ? 'image/png'
    : /\.webp$/i.test(imagePath)
      ? 'image/webp'
      : 'image/jpeg';

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
      // Reported by the caller with the raw text.
    }
    return { status: res.status, json, text };
  };

  const upload = () => {
    const form = new FormData();
    form.append('file', new Blob([bytes], { type: contentType }), path.basename(imagePath));
    return call('POST', '/images', form);
  };

  console.log(`smoke: uploading ${path.basename(imagePath)} (${bytes.length} bytes) to ${baseUrl}/images`);
  let started = performance.now();
  let created = await upload();
  const earlierId = (created.json as { image_id?: unknown } | null)?.image_id;
  if (created.status === 409 && typeof earlierId === 'string') {
    console.log(
      `smoke: this photo is already stored as ${earlierId}; deleting that copy and uploading again`,
    );
    const removed = await call('DELETE', `/images/${earlierId}`);
    if (removed.status !== 204)
      fail(`DELETE /images/${earlierId} answered ${removed.status}: ${removed.text}`);
    started = performance.now();
    created = await upload();
  }
  const uploadMs = Math.round(performance.now() - started);
  if (created.status !== 201)
    fail(`POST /images answered ${created.status}, expected 201: ${created.text.slice(0, 500)}`);
  const uploaded = ImageWithDetectionsSchema.safeParse(created.json);
  if (
    !uploaded.success ||
    uploaded.data.detection.detections.length !== uploaded.data.detection.count ||
    !uploaded.data.detection.detections.every(plausible)
  )
    fail(`POST /images returned an unexpected body: ${created.text.slice(0, 500)}`);
  const image = uploaded.data;
  const model = image.model ?? fail(`POST /images returned no model: ${created.text.slice(0, 500)}`);
  const { image_id: imageId, detection } = image;
  const modelName = `${model.name}${model.version ? ` v${model.version}` : ''}`;
  console.log(
    `smoke: 201 in ${uploadMs} ms: image ${imageId} (${image.width}x${image.height}), ` +
      `${detection.count} object(s) detected by ${modelName}`,
  );

  try {
    if (detection.count < 1) fail(`expected at least one detected object, got ${detection.count}`);

    const listed = await call('GET', `/images/${imageId}/objects`);
    if (listed.status !== 200)
      fail(`GET /images/${imageId}/objects answered ${listed.status}: ${listed.text.slice(0, 500)}`);
    const list = ObjectListSchema.safeParse(listed.json);
    if (!list.success || !list.data.objects.every(plausible))
      fail(`GET /images/${imageId}/objects returned malformed objects`);
    const { objects } = list.data;
    const byId = new Map(objects.map((o) => [o.object_id, o]));
    const missing = detection.detections.filter(
      (d) => !byId.has(d.object_id) || !sameDetection(d, byId.get(d.object_id)!),
    );
    if (list.data.count !== detection.count || objects.length !== detection.count || missing.length > 0) {
      fail(
        `GET /images/${imageId}/objects disagrees with the upload: ${objects.length} object(s) listed, ` +
          `${detection.count} uploaded, ${missing.length} uploaded object(s) missing or different`,
      );
    }
    console.log(`smoke: GET /images/{image_id}/objects lists the same ${objects.length} object(s)`);

    const first = detection.detections[0]!;
    const fetched = await call('GET', `/images/${imageId}/objects/${first.object_id}`);
    if (fetched.status !== 200)
      fail(`GET /images/${imageId}/objects/${first.object_id} answered ${fetched.status}: ${fetched.text}`);
    const one = ObjectSummarySchema.safeParse(fetched.json);
    if (!one.success || !sameDetection(first, one.data))
      fail(`GET /images/${imageId}/objects/${first.object_id} returned a different object: ${fetched.text}`);
    console.log(
      `smoke: GET /images/{image_id}/objects/${first.object_id} returns ${first.label} ${first.score.toFixed(3)}`,
    );

    const detectionLines = formatDetections(detection.detections);
    console.log('smoke: detections (label, score, [x_min, y_min, x_max, y_max] in pixels):');
    for (const line of detectionLines) console.log(`  ${line}`);

    if (jsonPath) {
      const result = {
        base_url: baseUrl,
        image_path: imagePath,
        image_id: imageId,
        width: image.width,
        height: image.height,
        model,
        upload_ms: uploadMs,
        count: detection.count,
        detections: detection.detections.map(({ object_id, label, score, bbox }) => ({
          object_id,
          label,
          score,
          bbox,
        })),
        detection_lines: detectionLines,
        kept: !values.delete,
      };
      fs.mkdirSync(path.dirname(jsonPath), { recursive: true });
      fs.writeFileSync(jsonPath, `${JSON.stringify(result, null, 2)}\n`);
    }
  } finally {
    if (values.delete) {
      const removed = await call('DELETE', `/images/${imageId}`);
      if (removed.status !== 204)
        fail(`DELETE /images/${imageId} answered ${removed.status}: ${removed.text}`);
    }
  }
  console.log(
    values.delete
      ? 'smoke: OK (uploaded, listed, fetched one object, deleted)'
      : `smoke: OK (uploaded, listed, fetched one object; image kept: ${baseUrl}/images/${imageId})`,
  );
}

main().catch((error: unknown) => {
  console.error(`smoke: FAILED: ${error instanceof SmokeFailure ? error.message : (error as Error).stack}`);
  process.exit(1);
});
