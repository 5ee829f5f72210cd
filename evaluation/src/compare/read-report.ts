import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

export class ComparisonError extends Error {
  override name = 'ComparisonError';
}

const figure = z.number().nullable();

/** The parts of a report.json that a comparison reads (older reports lack the optional ones). */
const reportSchema = z.object({
  tool: z.literal('detection-evaluation'),
  created_at: z.string(),
  dataset: z.object({
    path: z.string(),
    format: z.string(),
    images: z.number(),
    annotations: z.number(),
    fingerprint: z.string().optional(),
  }),
  endpoint: z
    .object({ kind: z.string(), url: z.string(), model: z.string(), model_version: z.string().nullable() })
    .nullable(),
  detections_file: z.string().nullable().optional(),
  parameters: z.object({
    min_score: z.number().nullable(),
    score_threshold: z.number(),
    iou_threshold: z.number(),
  }),
  coco: z.object({
    AP: z.number(),
    AP50: z.number(),
    AP75: z.number(),
    APs: z.number(),
    APm: z.number(),
    APl: z.number(),
    AR1: z.number(),
    AR10: z.number(),
    AR100: z.number(),
    ARs: z.number(),
    ARm: z.number(),
    ARl: z.number(),
    per_class: z.array(
      z.object({
        name: z.string(),
        ground_truth: z.number(),
        low_support: z.boolean().optional(),
        ap: z.number(),
        ap50: z.number(),
        ap75: z.number(),
        operating_point: z.object({ f1: figure }).optional(),
      }),
    ),
  }),
  matching: z.object({
    tp: z.number(),
    fp: z.number(),
    fn: z.number(),
    precision: figure,
    recall: figure,
    f1: figure,
    mean_iou: figure,
  }),
  operating_point: z.object({ best: z.object({ threshold: z.number(), f1: figure }).nullable() }).optional(),
  failures: z
    .object({
      false_positives: z.record(z.string(), z.number()),
      missed: z.object({ total: z.number() }),
    })
    .optional(),
  latency_ms: z.object({ p50: z.number(), p95: z.number(), mean: z.number() }).nullable(),
  images: z.array(
    z.object({
      image_id: z.number(),
      file_name: z.string(),
      ground_truth: z.number(),
      tp: z.number(),
      fp: z.number(),
      fn: z.number(),
      f1: figure,
      annotated: z.string(),
    }),
  ),
});

export type ComparedReport = z.infer<typeof reportSchema>;

/** A report read for comparison: where it lies (its folder holds its annotated images) and what it says. */
export interface ReportFile {
  file: string;
  report: ComparedReport;
}

/** Reads a report.json of pnpm eval, or the report.json inside a report folder. */
export async function readReportFile(location: string): Promise<ReportFile> {
  const info = await stat(location).catch(() => null);
  if (!info) throw new ComparisonError(`${location} does not exist`);
  const file = info.isDirectory() ? path.join(location, 'report.json') : location;
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new ComparisonError(`${file} is not a readable report.json: ${(error as Error).message}`);
  }
  const parsed = reportSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ComparisonError(
      `${file} is not a report.json written by pnpm eval: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`,
    );
  }
  return { file, report: parsed.data };
}
