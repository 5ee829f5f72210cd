import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, launchBrowser } from '../../services/web/test/e2e/browser.js';
import { FALSE_POSITIVE_REASONS } from '../src/metrics/failure-analysis.js';
import { BOX_KINDS, BOX_STYLES } from '../src/report/box-styles.js';
import type { Report } from '../src/report/report.js';
import { pixelsAdded } from './support/annotated-colours.js';
import { writeAugmentedDataset } from './support/augmented-dataset.js';
import { type EvalRun, readJson, repoRoot, runEval } from './support/run-eval.js';

const shippedDataset = path.join(repoRoot, 'evaluation/dataset');
const IMAGES = 64;

type Page = Awaited<ReturnType<Browser['context']['newPage']>>;

/**
 * The report of a real run (pnpm eval starting its own model server) on 64 images made at test time from the 20
 * shipped photos (mirrored and cropped, annotations moved to match), read in Chromium.
 */
describe('report.html for 64 images (real model, Chromium)', () => {
  let work: string;
  let dataset: string;
  let out: string;
  let objects: number;
  let run: EvalRun;
  let report: Report;
  let browser: Browser;
  let page: Page;
  const requests: string[] = [];

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'report-page-'));
    dataset = path.join(work, 'dataset');
    out = path.join(work, 'report');
    const instances = await writeAugmentedDataset(shippedDataset, dataset, IMAGES);
    objects = instances.annotations.filter((a) => !a.iscrowd).length;
    run = await runEval(['--dataset', dataset, '--out', out]);
    report = await readJson<Report>(path.join(out, 'report.json'));
    browser = await launchBrowser();
    page = await browser.context.newPage();
    page.on('request', (request: { url(): string }) => {
      requests.push(request.url());
    });
    await page.setViewportSize({ width: 1100, height: 900 });
    await page.goto(`file://${path.join(out, 'report.html')}`);
  });

  afterAll(async () => {
    await browser?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('Should evaluate the generated dataset and account for every object and detection in the failure analysis', () => {
    expect(run.code, run.stderr).toBe(0);
    expect(report.dataset).toMatchObject({ images: IMAGES, annotations: objects });
    const { matching: m, failures: f, operating_point: op } = report;
    expect(f.false_positives.total).toBe(m.fp);
    expect(FALSE_POSITIVE_REASONS.reduce((sum, reason) => sum + f.false_positives[reason], 0)).toBe(m.fp);
    expect(f.missed.total).toBe(m.fn);
    expect(f.missed.nearby + f.missed.undetected).toBe(m.fn);
    expect(f.ignored).toBe(m.ignored);
    // The confusion matrix: the class rows sum to the objects, the class columns to the detections at the
    // operating point, the diagonal to the true positives; each confusion (off the diagonal) is one false positive
    // and one miss, the rest of them being on the background row and in the missed column.
    const counts = f.confusion.counts;
    const k = f.confusion.classes.length;
    const classes = [...Array(k).keys()];
    const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
    const confusions = sum(classes.flatMap((r) => classes.filter((c) => c !== r).map((c) => counts[r]![c]!)));
    expect(sum(classes.flatMap((r) => counts[r]!))).toBe(objects);
    expect(sum(classes.flatMap((c) => counts.map((row) => row[c]!)))).toBe(m.tp + m.fp);
    expect(sum(classes.map((c) => counts[c]![c]!))).toBe(m.tp);
    expect(sum(counts[k]!) + confusions).toBe(m.fp);
    expect(sum(classes.map((r) => counts[r]![k]!)) + confusions).toBe(m.fn);
    // Sizes partition the objects and the detections; the sweep at the operating threshold is the matching.
    const sizes = Object.values(op.by_size);
    expect(sizes.reduce((sum, s) => sum + s.objects, 0)).toBe(objects);
    expect(sizes.reduce((sum, s) => sum + s.tp, 0)).toBe(m.tp);
    expect(sizes.reduce((sum, s) => sum + s.fp, 0)).toBe(m.fp);
    const atOperatingPoint = op.table.find((row) => row.threshold === m.score_threshold)!;
    expect([atOperatingPoint.tp, atOperatingPoint.fp, atOperatingPoint.fn]).toEqual([m.tp, m.fp, m.fn]);
    expect(op.best!.f1!).toBeGreaterThanOrEqual(m.f1!);
    expect(op.curve.threshold).toHaveLength(101);
    // Per class: most objects first, and every low-support flag set below five objects.
    const objectCounts = report.coco.per_class.map((row) => row.ground_truth);
    expect(objectCounts).toEqual([...objectCounts].sort((a, b) => b - a));
    for (const row of report.coco.per_class) expect(row.low_support).toBe(row.ground_truth < 5);
    expect(report.coco.per_class.reduce((sum, row) => sum + row.operating_point.tp, 0)).toBe(m.tp);
  });

  it('Should stay under 3000 px until expanded, with collapsible sections and nothing loaded from the network', async () => {
    const height = () => page.evaluate<number>('document.documentElement.scrollHeight');
    const collapsed = await height();
    expect(collapsed).toBeLessThan(3000);
    const sections = page.locator('details.section');
    expect(await sections.count()).toBe(7);
    expect(await page.locator('details.section[open]').count()).toBe(4);
    await page.locator('#per-class > summary').click();
    await page.locator('#per-image > summary').click();
    await page.locator('#pr-curves > summary').click();
    expect(await height()).toBeGreaterThan(collapsed + 2000);
    expect(requests.filter((url) => !url.startsWith('file://'))).toEqual([]);
    expect(await page.locator('script[src], link[rel=stylesheet]').count()).toBe(0);
  });

  it('Should page the per-image table 20 rows at a time', async () => {
    const rows = page.locator('table.per-image tbody tr');
    const visible = () =>
      rows.evaluateAll(
        (list) => list.filter((row) => !(row as unknown as { hidden: boolean }).hidden).length,
      );
    const pager = page.locator('#per-image .pager');
    expect(await rows.count()).toBe(IMAGES);
    expect(await visible()).toBe(20);
    expect(await pager.locator('span').textContent()).toBe('Page 1 of 4 (64 rows)');
    expect(await pager.locator('button').first().isDisabled()).toBe(true);
    await pager.getByText('Next ›').click();
    expect(await pager.locator('span').textContent()).toBe('Page 2 of 4 (64 rows)');
    expect(await rows.nth(20).isVisible()).toBe(true);
    expect(await rows.nth(0).isVisible()).toBe(false);
    await pager.getByText('Next ›').click();
    await pager.getByText('Next ›').click();
    expect(await visible()).toBe(4);
    expect(await pager.getByText('Next ›').isDisabled()).toBe(true);
    // Sorting by FP + FN goes back to page 1, worst image first.
    await page.locator('table.per-image th', { hasText: 'FP + FN' }).click();
    expect(await pager.locator('span').textContent()).toBe('Page 1 of 4 (64 rows)');
    const worst = Math.max(...report.images.map((image) => image.fp + image.fn));
    expect(await rows.first().locator('td').nth(7).textContent()).toBe(String(worst));
    // The thumbnails of the visible page load.
    const images = page.locator('table.per-image tbody tr:not([hidden]) img');
    await images.last().scrollIntoViewIfNeeded();
    await expect
      .poll(
        () =>
          images.evaluateAll(
            (list) =>
              (list as unknown as { complete: boolean; naturalWidth: number }[]).filter(
                (img) => img.complete && img.naturalWidth > 0,
              ).length,
          ),
        { timeout: 10_000 },
      )
      .toBe(20);
  });

  it('Should sort the per-class table by objects at first, and keep low-support classes after the others by AP', async () => {
    const names = () =>
      page
        .locator('table.per-class tbody tr')
        .evaluateAll((rows) =>
          rows.map((row) => (row as unknown as { dataset: { class: string } }).dataset.class),
        );
    expect(await names()).toEqual(report.coco.per_class.map((row) => row.name));
    await page.locator('table.per-class th', { hasText: /^AP$/ }).click();
    const byAp = await names();
    const supported = report.coco.per_class.filter((row) => !row.low_support);
    expect(supported.length).toBeGreaterThan(1);
    expect(byAp.slice(0, supported.length)).toEqual(
      [...supported].sort((a, b) => b.ap - a.ap || 0).map((row) => row.name),
    );
    // A class with one object and AP 1.000 does not top the table.
    const perfectSingle = report.coco.per_class.find((row) => row.ground_truth === 1 && row.ap > 0.99);
    if (perfectSingle) expect(byAp.indexOf(perfectSingle.name)).toBeGreaterThanOrEqual(supported.length);
    expect(await page.locator('table.per-class th', { hasText: /^AP$/ }).getAttribute('aria-sort')).toBe(
      'descending',
    );
    await page.locator('table.per-class th', { hasText: /^AP$/ }).click();
    expect(await page.locator('table.per-class th', { hasText: /^AP$/ }).getAttribute('aria-sort')).toBe(
      'ascending',
    );
  });

  it('Should show the failure analysis: legend, breakdown, worst-first gallery and the confusion matrix', async () => {
    expect(await page.locator('#failures .legend .swatch').count()).toBe(BOX_KINDS.length);
    for (const reason of FALSE_POSITIVE_REASONS)
      expect(await page.locator(`#failures tr[data-reason="${reason}"] td`).textContent()).toBe(
        String(report.failures.false_positives[reason]),
      );
    const captions = await page.locator('.gallery figcaption').allTextContents();
    expect(captions).toHaveLength(8);
    const errors = captions.map((caption) => {
      const [, fp, fn] = /FP (\d+) · missed (\d+)/.exec(caption)!;
      return Number(fp) + Number(fn);
    });
    expect(errors).toEqual([...errors].sort((a, b) => b - a));
    expect(errors[0]).toBe(Math.max(...report.images.map((image) => image.fp + image.fn)));
    await page.locator('#failures details.sub > summary').click();
    const k = report.failures.confusion.classes.length;
    expect(await page.locator('table.matrix tbody tr').count()).toBe(k + 1);
    expect(await page.locator('table.matrix tbody tr').last().locator('th').textContent()).toBe('background');
    expect(await page.locator('table.matrix thead th').last().textContent()).toBe('missed');
  });

  it('Should show the operating point (curve, thresholds, sizes), all twelve COCO numbers, and the latency with its context', async () => {
    const op = report.operating_point;
    const chart = page.locator('#operating-point svg.chart');
    expect(await chart.locator('polyline').count()).toBeGreaterThanOrEqual(3);
    expect(await chart.locator('line.marker').count()).toBe(2);
    expect(await page.locator('#operating-point').textContent()).toContain(
      `keeping detections with score ≥ ${op.best!.threshold}`,
    );
    expect(await page.locator('table.thresholds tbody tr').count()).toBe(20);
    expect(await page.locator('table.by-size tbody tr').count()).toBe(4);
    const coco = await page.locator('table.coco').textContent();
    for (const key of [
      'AP',
      'AP50',
      'AP75',
      'APs',
      'APm',
      'APl',
      'AR1',
      'AR10',
      'AR100',
      'ARs',
      'ARm',
      'ARl',
    ] as const)
      expect(coco).toContain(report.coco[key] < 0 ? '—' : report.coco[key].toFixed(3));
    const latency = await page.locator('#latency').textContent();
    const context = report.latency_context!;
    expect(context).toMatchObject({ endpoint_kind: 'model-server', concurrency: 1 });
    expect(latency).toContain(`${context.cpu_model} × ${context.cpu_count}`);
    expect(latency).toContain(`${context.load_average_start.map((v) => v.toFixed(2)).join(' / ')} at start`);
    expect(latency).toContain(`model server at ${context.endpoint_url}`);
  });

  it('Should mark each outcome on the annotated images in its own colour', async () => {
    // The worst image has misses and false positives; every kind it has is drawn in its colour.
    const worst = [...report.images].sort((a, b) => b.fp + b.fn - (a.fp + a.fn))[0]!;
    const original = path.join(dataset, 'images', worst.file_name);
    const annotated = path.join(out, worst.annotated);
    const kinds = [
      ...(worst.tp > 0 ? ['tp' as const] : []),
      ...(worst.fn > 0 ? ['missed' as const] : []),
      ...FALSE_POSITIVE_REASONS.filter((reason) => worst.false_positives[reason] > 0).map(
        (reason) => `fp-${reason}` as const,
      ),
    ];
    expect(kinds.length).toBeGreaterThanOrEqual(3);
    for (const kind of kinds)
      expect(await pixelsAdded(original, annotated, BOX_STYLES[kind].colour), kind).toBeGreaterThan(30);
  });
});
