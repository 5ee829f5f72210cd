import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareReports } from './compare-reports.js';
import { type ComparedReport, ComparisonError, readReportFile } from './read-report.js';

const coco = {
  AP: 0.4,
  AP50: 0.6,
  AP75: 0.45,
  APs: 0.2,
  APm: 0.4,
  APl: 0.5,
  AR1: 0.3,
  AR10: 0.4,
  AR100: 0.45,
  ARs: 0.2,
  ARm: 0.4,
  ARl: -1,
};

const image = (imageId: number, fileName: string, objects: number, [tp, fp, fn]: number[], f1: number) => ({
  image_id: imageId,
  file_name: fileName,
  ground_truth: objects,
  tp: tp!,
  fp: fp!,
  fn: fn!,
  f1,
  annotated: `images/${fileName}`,
});

function report(overrides: Partial<ComparedReport> = {}): ComparedReport {
  return {
    tool: 'detection-evaluation',
    created_at: '2026-12-01T10:00:00.000Z',
    dataset: { path: '/data/set', format: 'coco', images: 3, annotations: 6, fingerprint: 'sha256:aaaa' },
    endpoint: {
      kind: 'model-server',
      url: 'http://127.0.0.1:9090',
      model: 'centernet-coco',
      model_version: '1',
    },
    detections_file: null,
    parameters: { min_score: 0.001, score_threshold: 0.2, iou_threshold: 0.5 },
    coco: {
      ...coco,
      per_class: [
        {
          name: 'person',
          ground_truth: 5,
          low_support: false,
          ap: 0.5,
          ap50: 0.7,
          ap75: 0.5,
          operating_point: { f1: 0.6 },
        },
        {
          name: 'dog',
          ground_truth: 1,
          low_support: true,
          ap: 1,
          ap50: 1,
          ap75: 1,
          operating_point: { f1: 1 },
        },
      ],
    },
    matching: { tp: 4, fp: 3, fn: 2, precision: 4 / 7, recall: 4 / 6, f1: 8 / 13, mean_iou: 0.8 },
    operating_point: { best: { threshold: 0.25, f1: 0.65 } },
    failures: {
      false_positives: {
        duplicate: 0,
        wrong_class: 1,
        localisation: 1,
        class_and_localisation: 0,
        background: 1,
      },
      missed: { total: 2 },
    },
    latency_ms: { p50: 50, p95: 70, mean: 55 },
    images: [
      image(1, 'a.jpg', 2, [2, 0, 0], 1),
      image(2, 'b.jpg', 3, [1, 2, 2], 2 / 7),
      image(3, 'c.jpg', 1, [1, 1, 0], 2 / 3),
    ],
    ...overrides,
  };
}

const now = new Date('2026-12-02T00:00:00.000Z');
const file = (name: string, r: ComparedReport) => ({ file: `/runs/${name}/report.json`, report: r });

describe('compareReports', () => {
  it('Should give every summary figure, per-class AP and each image’s counts with B − A, most changed images first', () => {
    const b = report({
      endpoint: null,
      detections_file: '/tmp/other.json',
      coco: {
        ...coco,
        AP: 0.45,
        ARl: -1,
        per_class: [
          {
            name: 'person',
            ground_truth: 5,
            low_support: false,
            ap: 0.55,
            ap50: 0.7,
            ap75: 0.6,
            operating_point: { f1: 0.7 },
          },
          {
            name: 'cat',
            ground_truth: 0,
            low_support: true,
            ap: -1,
            ap50: -1,
            ap75: -1,
            operating_point: { f1: 0 },
          },
        ],
      },
      matching: { tp: 5, fp: 2, fn: 1, precision: 5 / 7, recall: 5 / 6, f1: 10 / 13, mean_iou: 0.82 },
      latency_ms: null,
      images: [
        image(1, 'a.jpg', 2, [2, 1, 0], 0.8),
        image(2, 'b.jpg', 3, [2, 0, 1], 0.8),
        image(3, 'c.jpg', 1, [1, 1, 0], 2 / 3),
      ],
    });
    const comparison = compareReports(file('a', report()), file('b', b), now);
    const figure = (key: string) => comparison.summary.find((f) => f.key === key);
    expect(figure('coco.AP')).toEqual({
      key: 'coco.AP',
      label: 'mAP@[.50:.95]',
      better: 'higher',
      a: 0.4,
      b: 0.45,
      delta: 0.45 - 0.4,
    });
    expect(figure('coco.ARl')).toMatchObject({ a: null, b: null, delta: null });
    expect(figure('matching.fp')).toMatchObject({ a: 3, b: 2, delta: -1, better: 'lower' });
    expect(figure('latency_ms.p50')).toMatchObject({ a: 50, b: null, delta: null });
    expect(figure('failures.false_positives.wrong_class')).toMatchObject({ a: 1, b: 1, delta: 0 });
    expect(comparison.summary).toHaveLength(12 + 7 + 5 + 2 + 3);
    expect(comparison.a.source).toBe('centernet-coco v1 via the model server at http://127.0.0.1:9090');
    expect(comparison.b.source).toBe('detections from /tmp/other.json');
    expect(comparison.notes).toEqual([
      'Latency was measured in only one run or in neither, so it is not compared.',
    ]);

    expect(comparison.per_class.map((row) => [row.name, row.objects, row.low_support])).toEqual([
      ['person', 5, false],
      ['dog', 1, true],
      ['cat', 0, true],
    ]);
    expect(comparison.per_class[0]!.ap.delta).toBeCloseTo(0.05, 15);
    expect(comparison.per_class[1]!.ap).toEqual({ a: 1, b: null, delta: null });

    // b.jpg: FP 2 → 0, FN 2 → 1: change 3, errors −3. a.jpg: FP 0 → 1: change 1, errors +1. c.jpg unchanged.
    expect(comparison.images.map((image) => [image.file_name, image.change, image.delta_errors])).toEqual([
      ['b.jpg', 3, -3],
      ['a.jpg', 1, 1],
      ['c.jpg', 0, 0],
    ]);
    expect(comparison.images[0]!.delta_f1).toBeCloseTo(0.8 - 2 / 7, 15);
  });

  it('Should refuse reports on different ground truth, naming both datasets', () => {
    const other = report({
      dataset: { path: '/data/other', format: 'yolo', images: 3, annotations: 6, fingerprint: 'sha256:bbbb' },
    });
    expect(() => compareReports(file('a', report()), file('b', other), now)).toThrow(ComparisonError);
    expect(() => compareReports(file('a', report()), file('b', other), now)).toThrow(
      'A was evaluated on /data/set (coco, 3 images, 6 objects, sha256:aaaa…) and B on /data/other (yolo, 3 images, 6 objects, sha256:bbbb…): the ground truth differs, so the runs are not comparable',
    );
  });

  it('Should compare reports without fingerprints (older ones) by their images and objects', () => {
    const old = (images = report().images) =>
      report({ dataset: { path: '/data/set', format: 'coco', images: 3, annotations: 6 }, images });
    expect(compareReports(file('a', old()), file('b', old()), now).dataset.fingerprint).toBeNull();
    const fewer = old(
      report().images.map((image) => (image.image_id === 3 ? { ...image, ground_truth: 2 } : image)),
    );
    expect(() => compareReports(file('a', old()), file('b', fewer), now)).toThrow(
      /their images or objects differ, so the runs are not comparable/,
    );
  });

  it('Should note different operating points and different lowest scores', () => {
    const b = report({ parameters: { min_score: 0.05, score_threshold: 0.3, iou_threshold: 0.5 } });
    expect(compareReports(file('a', report()), file('b', b), now).notes).toEqual([
      'The operating points differ (A: score ≥ 0.2, IoU ≥ 0.5; B: score ≥ 0.3, IoU ≥ 0.5): precision, recall, F1 and the per-image counts compare different settings. The COCO figures do not depend on them.',
      'The lowest requested score differs (A: 0.001, B: 0.05), which can move the COCO figures.',
    ]);
  });
});

describe('readReportFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'read-report-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('Should read a report.json or the one in a report folder', async () => {
    await mkdir(path.join(dir, 'run'));
    await writeFile(path.join(dir, 'run', 'report.json'), JSON.stringify({ ...report(), extra: 1 }));
    const fromFolder = await readReportFile(path.join(dir, 'run'));
    expect(fromFolder.file).toBe(path.join(dir, 'run', 'report.json'));
    expect(fromFolder.report.coco.AP).toBe(0.4);
  });

  it('Should refuse what is missing, not JSON or not a report of pnpm eval, saying which', async () => {
    await expect(readReportFile(path.join(dir, 'nothing'))).rejects.toThrow(/nothing does not exist/);
    await writeFile(path.join(dir, 'broken.json'), '{"tool":');
    await expect(readReportFile(path.join(dir, 'broken.json'))).rejects.toThrow(
      /broken\.json is not a readable report\.json/,
    );
    await writeFile(
      path.join(dir, 'comparison.json'),
      JSON.stringify({ tool: 'detection-evaluation-comparison' }),
    );
    await expect(readReportFile(path.join(dir, 'comparison.json'))).rejects.toThrow(
      /comparison\.json is not a report\.json written by pnpm eval: tool: /,
    );
  });
});
