import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { testImages, writeDataset } from '@detection/test-data';
import pino from 'pino';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnv } from '../../services/backend/src/env.js';
import { type RunningServer, startServer } from '../../services/backend/src/server.js';
import {
  type ChildServer,
  closedPort,
  startModelServer,
} from '../../services/backend/test/support/processes.js';
import { launchBrowser } from '../../services/web/test/e2e/browser.js';
import type { Comparison } from '../src/compare/compare-reports.js';
import { FALSE_POSITIVE_REASONS } from '../src/metrics/failure-analysis.js';
import { BOX_STYLES, type BoxKind } from '../src/report/box-styles.js';
import type { ImageReport, Report } from '../src/report/report.js';
import { pixelsAdded } from './support/annotated-colours.js';
import { type CocoInstancesFile, type CocoResultsFile, scoreCocoFiles } from './support/coco-files.js';
import { readJson, repoRoot, runEval } from './support/run-eval.js';

const shippedDataset = path.join(repoRoot, 'evaluation/dataset');

describe('pnpm eval (against the real model server and backend)', () => {
  let work: string;
  let modelServer: ChildServer;
  let backend: RunningServer;
  let ownServerRun: { code: number | null; stdout: string; stderr: string };
  const ownServerOut = () => path.join(work, 'own-server');

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'eval-cli-'));
    // Relative --dataset/--out are taken from the caller's directory (INIT_CWD), here the repository root.
    ownServerRun = await runEval([
      '--dataset',
      'evaluation/dataset',
      '--out',
      path.relative(repoRoot, ownServerOut()),
    ]);
    modelServer = await startModelServer(await closedPort());
    backend = await startServer(
      parseEnv({
        PORT: '0',
        HOST: '127.0.0.1',
        DATABASE_PATH: path.join(work, 'backend.sqlite'),
        STORAGE_DIR: path.join(work, 'backend-images'),
        MODEL_SERVER_URL: modelServer.url,
        WEB_UI_DIR: path.join(work, 'no-ui'),
      }),
      pino({ level: 'silent' }),
    );
  });

  /** `pnpm eval` into `work/<name>` without annotated images; the report, if it was written. */
  async function evaluateInto(name: string, dataset: string, url: string, extra: string[] = []) {
    const out = path.join(work, name);
    const run = await runEval(['--dataset', dataset, '--url', url, '--out', out, '--no-images', ...extra]);
    expect(run.code, run.stderr).toBe(0);
    return { run, out, report: await readJson<Report>(path.join(out, 'report.json')) };
  }

  afterAll(async () => {
    await backend?.close();
    await modelServer?.stop();
    await rm(work, { recursive: true, force: true });
  });

  it('Should start its own model server without --url, evaluate the shipped dataset and print the figures', async () => {
    expect(ownServerRun.code, ownServerRun.stderr).toBe(0);
    expect(ownServerRun.stderr).toContain('No --url given: starting the model server');
    expect(ownServerRun.stdout).toMatch(
      /Evaluated centernet-coco \(version 1\) via the model server at http:\/\/127\.0\.0\.1:\d+ on 20 images \(coco: 91 objects, 2 crowd regions\)/,
    );
    expect(ownServerRun.stdout).toMatch(/COCO mAP@\[\.50:\.95\] 0\.\d{3} {3}AP50 0\.\d{3}/);
    expect(ownServerRun.stdout).toMatch(/precision 0\.\d{3} {2}recall 0\.\d{3} {2}F1 0\.\d{3}/);
    expect(ownServerRun.stdout).toMatch(/Latency per image: p50 \d+\.\d ms, p95 \d+\.\d ms/);
    expect(ownServerRun.stdout).toMatch(
      /Best F1 0\.\d{3} at score >= 0\.\d+ \(precision 0\.\d{3}, recall 0\.\d{3}\)/,
    );
    expect(ownServerRun.stdout).toMatch(
      /False positives: \d+ \(duplicate \d+, wrong class \d+, poor localisation \d+, wrong class and poor localisation \d+, background \d+\); missed \d+/,
    );

    const report = await readJson<Report>(path.join(ownServerOut(), 'report.json'));
    expect(report.dataset).toMatchObject({ format: 'coco', images: 20, annotations: 91, crowd_regions: 2 });
    expect(report.endpoint).toMatchObject({
      kind: 'model-server',
      model: 'centernet-coco',
      model_version: '1',
    });
    expect(report.failed_images).toBe(0);
    // A real detector on real photos: clearly better than nothing, clearly short of perfect.
    expect(report.coco.AP).toBeGreaterThan(0.2);
    expect(report.coco.AP).toBeLessThan(0.9);
    expect(report.coco.AP50).toBeGreaterThan(report.coco.AP);
    expect(report.coco.stats).toHaveLength(12);
    const m = report.matching;
    expect(m.tp + m.fn).toBe(91);
    expect(m.f1).toBeCloseTo((2 * m.tp) / (2 * m.tp + m.fp + m.fn), 12);
    expect(m.mean_iou).toBeGreaterThan(0.5);
    expect(report.images.reduce((sum, image) => sum + image.tp, 0)).toBe(m.tp);
    expect(report.latency_ms?.count).toBe(20);
    expect(report.latency_ms!.p95).toBeGreaterThanOrEqual(report.latency_ms!.p50);
    // What the latency was measured on: this machine, one request at a time, the load before and after.
    const context = report.latency_context!;
    expect(context).toMatchObject({
      endpoint_kind: 'model-server',
      endpoint_url: report.endpoint!.url,
      concurrency: 1,
      cpu_model: os.cpus()[0]!.model.trim(),
      cpu_count: os.availableParallelism(),
    });
    for (const load of [context.load_average_start, context.load_average_end]) {
      expect(load).toHaveLength(3);
      for (const value of load) expect(value).toBeGreaterThanOrEqual(0);
    }
    expect(report.dataset.fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(report.detections_file).toBeNull();
    const person = report.coco.per_class.find((row) => row.name === 'person')!;
    expect(person.ground_truth).toBeGreaterThan(0);
    expect(person.ap).toBeGreaterThan(0);
    expect(report.pr_curves.overall['0.50']).toHaveLength(101);
    expect(report.pr_curves.per_class.person!['0.50'][0]).toBeGreaterThan(0);
  });

  it('Should write detections.json and ground-truth.json that a COCO tool re-scores to the same numbers', async () => {
    const report = await readJson<Report>(path.join(ownServerOut(), 'report.json'));
    const detections = await readJson<CocoResultsFile>(path.join(ownServerOut(), 'detections.json'));
    expect(detections.length).toBeGreaterThan(91);
    for (const d of detections) {
      expect(Object.keys(d).sort()).toEqual(['bbox', 'category_id', 'image_id', 'score']);
      expect(d.bbox[2]).toBeGreaterThanOrEqual(0);
    }
    const shipped = await readJson<CocoInstancesFile>(path.join(shippedDataset, 'instances.json'));
    const written = await readJson<CocoInstancesFile>(path.join(ownServerOut(), 'ground-truth.json'));
    expect(scoreCocoFiles(shipped, detections)).toEqual(report.coco.stats);
    expect(scoreCocoFiles(written, detections)).toEqual(report.coco.stats);
  });

  it('Should draw every image with its true positives, false positives by reason and missed objects, and a report that shows in Chromium', async () => {
    const report = await readJson<Report>(path.join(ownServerOut(), 'report.json'));
    const files = await readdir(path.join(ownServerOut(), 'images'));
    expect(files).toHaveLength(20);
    const annotated = await sharp(path.join(ownServerOut(), 'images', '000000000072.jpg')).metadata();
    expect([annotated.format, annotated.width, annotated.height]).toEqual(['jpeg', 427, 640]);
    // Each outcome an image has is drawn in its colour: true positives on 000000000072.jpg (two people found), and
    // on the image with the most errors every kind it has.
    const added = (image: ImageReport, kind: BoxKind) =>
      pixelsAdded(
        path.join(shippedDataset, 'images', image.file_name),
        path.join(ownServerOut(), image.annotated),
        BOX_STYLES[kind].colour,
      );
    const people = report.images.find((image) => image.file_name === '000000000072.jpg')!;
    expect(people).toMatchObject({ tp: 2, fp: 0, fn: 0 });
    expect(await added(people, 'tp')).toBeGreaterThan(200);
    expect(await added(people, 'missed')).toBe(0);
    const worst = [...report.images].sort((a, b) => b.fp + b.fn - (a.fp + a.fn))[0]!;
    const kinds: BoxKind[] = [
      'missed',
      ...FALSE_POSITIVE_REASONS.filter((reason) => worst.false_positives[reason] > 0).map(
        (reason) => `fp-${reason}` as const,
      ),
    ];
    expect(kinds.length).toBeGreaterThanOrEqual(3);
    for (const kind of kinds) expect(await added(worst, kind), kind).toBeGreaterThan(30);

    const browser = await launchBrowser();
    try {
      const page = await browser.context.newPage();
      await page.setViewportSize({ width: 1100, height: 900 });
      await page.goto(`file://${path.join(ownServerOut(), 'report.html')}`);
      await expect.poll(() => page.title()).toContain('Detection evaluation: centernet-coco');
      expect(await page.locator('.card .value').first().textContent()).toBe(report.coco.AP.toFixed(3));
      // The gallery's annotated images load; the per-image table holds one thumbnail per image.
      const loaded = (selector: string) =>
        page
          .locator(selector)
          .evaluateAll(
            (elements) =>
              (elements as unknown as { complete: boolean; naturalWidth: number }[]).filter(
                (img) => img.complete && img.naturalWidth > 0,
              ).length,
          );
      await page.locator('.gallery img').last().scrollIntoViewIfNeeded();
      await expect.poll(() => loaded('.gallery img'), { timeout: 10_000 }).toBe(8);
      expect(await page.locator('td img').count()).toBe(20);
      // Charts: the operating point, the overall precision-recall curves (three), one per class with objects.
      const classCharts = Object.keys(report.pr_curves.per_class).length;
      expect(await page.locator('svg.chart').count()).toBe(2 + classCharts);
      expect(await page.locator('svg.chart[aria-label="precision-recall curve"] polyline').count()).toBe(3);
      // The whole page as it opens, for the README (docs/screenshots/evaluation-report.png is a copy).
      await page.locator('h1').scrollIntoViewIfNeeded();
      await mkdir(path.join(repoRoot, 'test-results'), { recursive: true });
      await page.screenshot({
        path: path.join(repoRoot, 'test-results', 'evaluation-report.png'),
        fullPage: true,
      });
    } finally {
      await browser.close();
    }
  });

  it('Should give the same result through an already running model server and through the backend’s /detect', async () => {
    const own = await readJson<Report>(path.join(ownServerOut(), 'report.json'));
    const direct = await evaluateInto('direct', shippedDataset, modelServer.url);
    expect(direct.run.stderr).not.toContain('starting the model server');
    expect(direct.report.coco.AP).toBeCloseTo(own.coco.AP, 3);
    expect(await readdir(path.join(direct.out, 'images'))).toEqual([]);

    const { report: viaBackend } = await evaluateInto('backend', shippedDataset, backend.url);
    expect(viaBackend.endpoint).toMatchObject({ kind: 'backend', url: backend.url, model: 'centernet-coco' });
    expect(viaBackend.coco.AP).toBeCloseTo(own.coco.AP, 2);
    expect(viaBackend.matching.tp).toBeGreaterThan(0);
  });

  it('Should re-score a saved results file without a model, to the same figures, with latency marked not measured', async () => {
    const own = await readJson<Report>(path.join(ownServerOut(), 'report.json'));
    const detections = path.join(ownServerOut(), 'detections.json');
    const out = path.join(work, 'rescored');
    const run = await runEval(['--dataset', 'evaluation/dataset', '--detections', detections, '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).not.toContain('starting the model server');
    expect(run.stdout).toContain(`Re-scored ${detections} on 20 images`);
    expect(run.stdout).toContain('Latency per image: not measured (detections read from a file)');
    const rescored = await readJson<Report>(path.join(out, 'report.json'));
    expect(rescored.coco.stats).toEqual(own.coco.stats);
    expect(rescored.coco.per_class).toEqual(own.coco.per_class);
    expect(rescored.matching).toEqual(own.matching);
    expect(rescored.failures).toEqual(own.failures);
    expect(rescored.operating_point).toEqual(own.operating_point);
    expect(rescored.dataset.fingerprint).toBe(own.dataset.fingerprint);
    expect(rescored).toMatchObject({
      endpoint: null,
      detections_file: detections,
      latency_ms: null,
      latency_context: null,
    });
    expect(rescored.parameters.min_score).toBeNull();
    expect(await readdir(path.join(out, 'images'))).toHaveLength(20);
    expect(await readFile(path.join(out, 'detections.json'), 'utf8')).toBe(
      await readFile(detections, 'utf8'),
    );
    const html = await readFile(path.join(out, 'report.html'), 'utf8');
    expect(html).toContain(`Not measured: detections were read from ${detections}; no model was run.`);
    expect(html).toContain('(no model run)');
  });

  it('Should refuse a results file with unknown images or classes, malformed boxes or scores out of range, naming each entry', async () => {
    const file = path.join(work, 'bad-detections.json');
    const good = { image_id: 72, category_id: 1, bbox: [10, 10, 50, 80], score: 0.8 };
    await writeFile(
      file,
      JSON.stringify([
        good,
        { ...good, image_id: 123456 },
        { ...good, category_id: 12 },
        { ...good, bbox: [10, 10, 50] },
        { ...good, score: 7 },
      ]),
    );
    const out = path.join(work, 'bad-rescore');
    const run = await runEval(['--dataset', shippedDataset, '--detections', file, '--out', out]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `pnpm eval: ${file} has 4 invalid detection(s) of 5 (scored against ${shippedDataset}):`,
    );
    expect(run.stderr).toContain(
      'entry [1] {"image_id":123456,"category_id":1,"bbox":[10,10,50,80],"score":0.8}: image_id 123456 is not an image of the dataset',
    );
    expect(run.stderr).toContain(
      'entry [2] {"image_id":72,"category_id":12,"bbox":[10,10,50,80],"score":0.8}: category_id 12 is not a category of the dataset',
    );
    expect(run.stderr).toContain(
      'entry [3] {"image_id":72,"category_id":1,"bbox":[10,10,50],"score":0.8}: bbox must be [x, y, width, height]',
    );
    expect(run.stderr).toContain(
      'entry [4] {"image_id":72,"category_id":1,"bbox":[10,10,50,80],"score":7}: score 7 is out of range (0 to 1)',
    );
    expect(existsSync(out)).toBe(false);

    const withUrl = await runEval([
      '--dataset',
      shippedDataset,
      '--detections',
      file,
      '--url',
      modelServer.url,
    ]);
    expect(withUrl.code).toBe(2);
    expect(withUrl.stderr).toContain(
      '--detections scores a results file without a model: --url cannot be used with it',
    );
  });

  it('Should compare two runs side by side (model server and backend) and refuse runs on different datasets', async () => {
    const out = path.join(work, 'comparison');
    const run = await runEval([
      '--compare',
      ownServerOut(),
      path.join(work, 'backend', 'report.json'),
      '--out',
      out,
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      /^Compared B \(centernet-coco v1 via the backend at http:\/\/127\.0\.0\.1:\d+\) with A \(centernet-coco v1 via the model server at http:\/\/127\.0\.0\.1:\d+\) on 20 images/,
    );
    expect(run.stdout).toMatch(/mAP@\[\.50:\.95\] 0\.\d{3} -> 0\.\d{3} \([+-]\d\.\d{3}\)/);
    expect(run.stdout).toContain(`Comparison: ${path.join(out, 'comparison.html')}`);

    const own = await readJson<Report>(path.join(ownServerOut(), 'report.json'));
    const viaBackend = await readJson<Report>(path.join(work, 'backend', 'report.json'));
    const comparison = await readJson<Comparison>(path.join(out, 'comparison.json'));
    expect(comparison.summary.find((f) => f.key === 'coco.AP')).toMatchObject({
      a: own.coco.AP,
      b: viaBackend.coco.AP,
      delta: viaBackend.coco.AP - own.coco.AP,
    });
    expect(comparison.summary.find((f) => f.key === 'latency_ms.p50')).toMatchObject({
      a: own.latency_ms!.p50,
      b: viaBackend.latency_ms!.p50,
    });
    expect(comparison.per_class.map((row) => row.name)).toEqual(own.coco.per_class.map((row) => row.name));
    expect(comparison.images).toHaveLength(20);
    for (const image of comparison.images) {
      const [a, b] = [own, viaBackend].map((r) => r.images.find((i) => i.image_id === image.image_id)!);
      expect(image.change).toBe(Math.abs(b!.fp - a!.fp) + Math.abs(b!.fn - a!.fn));
    }
    const changes = comparison.images.map((image) => image.change);
    expect(changes).toEqual([...changes].sort((x, y) => y - x));

    // The page: every figure, per class, the changed images with run A's annotated images (B wrote none).
    const browser = await launchBrowser();
    try {
      const page = await browser.context.newPage();
      await page.goto(`file://${path.join(out, 'comparison.html')}`);
      expect(await page.locator('table.summary tbody tr').count()).toBe(comparison.summary.length);
      expect(await page.locator('table.per-class tbody tr').count()).toBe(comparison.per_class.length);
      const changed = comparison.images.filter((image) => image.change > 0).length;
      expect(await page.locator('table.changed tbody tr').count()).toBe(Math.min(20, changed));
      if (changed > 0) {
        const thumbnails = page.locator('table.changed img');
        expect(await thumbnails.count()).toBe(Math.min(20, changed));
        await thumbnails.first().scrollIntoViewIfNeeded();
        await expect
          .poll(() =>
            thumbnails.first().evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth),
          )
          .toBeGreaterThan(0);
      }
    } finally {
      await browser.close();
    }

    // The same photos with one object fewer are another dataset.
    const other = path.join(work, 'one-object-fewer');
    await mkdir(other);
    await symlink(path.join(shippedDataset, 'images'), path.join(other, 'images'));
    const instances = await readJson<CocoInstancesFile>(path.join(shippedDataset, 'instances.json'));
    await writeFile(
      path.join(other, 'instances.json'),
      JSON.stringify({ ...instances, annotations: instances.annotations.slice(1) }),
    );
    const otherOut = path.join(work, 'other-dataset');
    const rescored = await runEval([
      '--dataset',
      other,
      '--detections',
      path.join(ownServerOut(), 'detections.json'),
      '--out',
      otherOut,
      '--no-images',
    ]);
    expect(rescored.code, rescored.stderr).toBe(0);
    const refused = await runEval([
      '--compare',
      ownServerOut(),
      otherOut,
      '--out',
      path.join(work, 'refused'),
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /pnpm eval: A was evaluated on .*evaluation\/dataset \(coco, 20 images, 91 objects, sha256:[0-9a-f]{12}…\) and B on .*one-object-fewer \(coco, 20 images, 90 objects, sha256:[0-9a-f]{12}…\): the ground truth differs, so the runs are not comparable/,
    );
    expect(existsSync(path.join(work, 'refused'))).toBe(false);
  });

  it('Should evaluate a YOLO-format dataset (the 64 test images with YOLO labels) with class names mapped to the model’s labels', async () => {
    const images = await testImages();
    const yoloDataset = path.join(work, 'yolo-dataset');
    await writeDataset(yoloDataset, images, { yolo: true });
    const boxes = images.reduce((sum, image) => sum + image.objects.filter((o) => !o.crowd).length, 0);
    const { out, report } = await evaluateInto('yolo', yoloDataset, modelServer.url, ['--format', 'yolo']);
    expect(report.dataset).toMatchObject({
      format: 'yolo',
      images: 64,
      annotations: boxes,
      crowd_regions: 0,
    });
    console.info(
      `YOLO-format test images: AP ${report.coco.AP.toFixed(3)}, AP50 ${report.coco.AP50.toFixed(3)}`,
    );
    expect(report.coco.AP).toBeGreaterThan(0.2);
    expect(report.unmatched_labels).toEqual({});
    const groundTruth = await readJson<CocoInstancesFile>(path.join(out, 'ground-truth.json'));
    expect(groundTruth.categories[0]).toEqual({ id: 0, name: 'person' });
  });

  it('Should refuse bad arguments with exit code 2 and the usage, and fail clearly on an unusable endpoint', async () => {
    const noDataset = await runEval([]);
    expect(noDataset.code).toBe(2);
    expect(noDataset.stderr).toContain('pnpm eval: --dataset DIR is required');
    expect(noDataset.stderr).toContain('Usage: pnpm eval --dataset DIR');

    const missing = await runEval(['--dataset', path.join(work, 'nothing-here'), '--url', modelServer.url]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/dataset folder .*nothing-here does not exist/);

    const closed = await runEval([
      '--dataset',
      shippedDataset,
      '--url',
      `http://127.0.0.1:${await closedPort()}`,
      '--timeout',
      '1',
    ]);
    expect(closed.code).toBe(1);
    expect(closed.stderr).toMatch(/did not answer within 1 s \(last: ECONNREFUSED\)/);

    const unknownModel = await runEval([
      '--dataset',
      shippedDataset,
      '--url',
      modelServer.url,
      '--model',
      'yolo-nope',
    ]);
    expect(unknownModel.code).toBe(1);
    expect(unknownModel.stderr).toContain('has no model "yolo-nope"');
  });
});
