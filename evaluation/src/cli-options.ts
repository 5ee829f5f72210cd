import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';

export const USAGE = `Usage: pnpm eval --dataset DIR [options]

Measures detection quality and latency of a served model on an annotated dataset.

  --dataset DIR           COCO format (instances.json + images/) or YOLO format (images/, labels/, names.txt)
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

export type CliOptions = z.infer<typeof optionsSchema> & { out: string };

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
  try {
    ({ values } = parseArgs({
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
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return 'help';
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
  const cwd = env.INIT_CWD ?? process.cwd();
  const dataset = path.resolve(cwd, parsed.data.dataset);
  const stamp = defaults.now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const out = parsed.data.out
    ? path.resolve(cwd, parsed.data.out)
    : path.join(defaults.repoRoot, 'evaluation/results', `${path.basename(dataset)}-${stamp}`);
  return { ...parsed.data, dataset, out };
}
