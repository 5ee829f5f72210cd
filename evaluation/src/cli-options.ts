import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';

export const USAGE = `Usage: pnpm eval --dataset DIR [options]
       pnpm eval --dataset DIR --detections FILE [--out DIR] [--score-threshold S] [--iou-threshold T] [--no-images]
       pnpm eval --compare A/report.json B/report.json [--out DIR]

Measures detection quality and latency of a served model on an annotated dataset; re-scores a saved COCO
results file (any tool's) without a model; or compares two reports on the same dataset.

  --dataset DIR           COCO format (instances.json + images/) or YOLO format (images/, labels/, names.txt)
  --detections FILE       score this COCO results file ([{image_id, category_id, bbox, score}]) instead of a model
  --url URL               a model server (Open Inference Protocol) or the backend (uses POST /detect);
                          default: start this repository's model server on a free loopback port for the run
  --model NAME            model to evaluate (default centernet-coco)
  --out DIR               where to write the report (default evaluation/results/<dataset>-<time>)
  --score-threshold S     operating point for precision/recall/F1 and the drawn boxes (default 0.2)
  --iou-threshold T       IoU a match needs for precision/recall/F1 (default 0.5)
  --min-score S           lowest score requested from the model for mAP (default 0.001)
  --format coco|yolo      dataset format (default: detected; COCO when both are present)
  --token T               bearer token for a backend with API_TOKENS set (default env API_TOKEN)
  --timeout SECONDS       how long to wait for a cold or restarting endpoint per request (default 120)
  --no-images             do not write annotated images
  --compare A B           compare two reports (report.json files or their folders) into comparison.html/.json
                          (default --out evaluation/results/compare-<time>)
  -h, --help              this text

Writes report.json, report.html, detections.json (COCO results), ground-truth.json (COCO instances) and images/.`;

const fraction = (name: string) =>
  z.coerce
    .number({ error: `${name} must be a number` })
    .min(0, `${name} must be between 0 and 1`)
    .max(1, `${name} must be between 0 and 1`);

const optionsSchema = z.object({
  dataset: z.string({ error: '--dataset DIR is required' }).min(1, '--dataset DIR is required'),
  url: z.url({ protocol: /^https?$/, error: '--url must be an http(s) URL' }).optional(),
  model: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, '--model must be a model name')
    .default('centernet-coco'),
  out: z.string().min(1).optional(),
  scoreThreshold: fraction('--score-threshold').default(0.2),
  iouThreshold: fraction('--iou-threshold')
    .refine((v) => v > 0, '--iou-threshold must be above 0')
    .default(0.5),
  minScore: fraction('--min-score').default(0.001),
  format: z.enum(['coco', 'yolo'], { error: '--format must be coco or yolo' }).optional(),
  token: z.string().optional(),
  timeoutSeconds: z.coerce
    .number({ error: '--timeout must be a number' })
    .positive('--timeout must be above 0')
    .default(120),
  images: z.boolean().default(true),
});

export type EvaluateOptions = z.infer<typeof optionsSchema> & {
  command: 'evaluate';
  out: string;
};

export interface RescoreOptions {
  command: 'rescore';
  dataset: string;
  detections: string;
  out: string;
  scoreThreshold: number;
  iouThreshold: number;
  format?: 'coco' | 'yolo' | undefined;
  images: boolean;
}

export interface CompareOptions {
  command: 'compare';
  a: string;
  b: string;
  out: string;
}

export type CliOptions = EvaluateOptions | RescoreOptions | CompareOptions;

/** Options that ask something of a model, which re-scoring a file has none of. */
const MODEL_OPTIONS = ['url', 'model', 'min-score', 'token', 'timeout'] as const;

export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * Parses the command line. Relative paths are taken from the directory `pnpm eval` was called in (pnpm runs the
 * script from the repository root and passes the caller's directory as INIT_CWD).
 */
export function parseCliOptions(
  argv: string[],
  env: NodeJS.ProcessEnv,
  defaults: { repoRoot: string; now: Date },
): CliOptions | 'help' {
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      options: {
        dataset: { type: 'string' },
        url: { type: 'string' },
        model: { type: 'string' },
        out: { type: 'string' },
        'score-threshold': { type: 'string' },
        'iou-threshold': { type: 'string' },
        'min-score': { type: 'string' },
        format: { type: 'string' },
        token: { type: 'string' },
        timeout: { type: 'string' },
        'no-images': { type: 'boolean' },
        detections: { type: 'string' },
        compare: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: true,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return 'help';
  const cwd = env.INIT_CWD ?? process.cwd();
  const stamp = defaults.now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const outOr = (fallback: string) =>
    typeof values.out === 'string' && values.out !== ''
      ? path.resolve(cwd, values.out)
      : path.join(defaults.repoRoot, 'evaluation/results', fallback);

  if (values.compare) {
    const others = Object.keys(values).filter((name) => name !== 'compare' && name !== 'out');
    if (others.length > 0)
      throw new UsageError(`--compare takes only two reports and --out, not --${others.join(', --')}`);
    if (positionals.length !== 2)
      throw new UsageError(
        `--compare needs two reports (report.json files or their folders), got ${positionals.length}`,
      );
    const [a, b] = positionals.map((file) => path.resolve(cwd, file)) as [string, string];
    return { command: 'compare', a, b, out: outOr(`compare-${stamp}`) };
  }
  if (positionals.length > 0)
    throw new UsageError(
      `unexpected argument '${positionals[0]}': only --compare takes positional arguments (two reports)`,
    );
  const parsed = optionsSchema.safeParse({
    dataset: values.dataset,
    url: values.url,
    model: values.model,
    out: values.out,
    scoreThreshold: values['score-threshold'],
    iouThreshold: values['iou-threshold'],
    minScore: values['min-score'],
    format: values.format,
    token: values.token ?? env.API_TOKEN,
    timeoutSeconds: values.timeout,
    images: !values['no-images'],
  });
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((issue) => issue.message).join('; '));
  const dataset = path.resolve(cwd, parsed.data.dataset);
  const out = outOr(`${path.basename(dataset)}-${stamp}`);
  if (values.detections !== undefined) {
    const modelOptions = MODEL_OPTIONS.filter((name) => values[name] !== undefined);
    if (modelOptions.length > 0)
      throw new UsageError(
        `--detections scores a results file without a model: --${modelOptions.join(', --')} cannot be used with it`,
      );
    if (values.detections === '') throw new UsageError('--detections FILE needs a file');
    const { scoreThreshold, iouThreshold, format, images } = parsed.data;
    return {
      command: 'rescore',
      dataset,
      detections: path.resolve(cwd, String(values.detections)),
      out,
      scoreThreshold,
      iouThreshold,
      ...(format && { format }),
      images,
    };
  }
  return { command: 'evaluate', ...parsed.data, dataset, out };
}
