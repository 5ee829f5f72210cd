import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCliOptions, USAGE, UsageError } from './cli-options.js';
import { loadDataset } from './dataset/load-dataset.js';
import { connectDetector } from './detector/connect-detector.js';
import { type LocalModelServer, startLocalModelServer } from './detector/local-model-server.js';
import { progressBar } from './progress.js';
import { buildReport, type Report } from './report/report.js';
import { writeOutputs } from './report/write-outputs.js';
import { runEvaluation } from './run-evaluation.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const show = (value: number | null, digits = 3) =>
  value === null || value < 0 ? 'n/a' : value.toFixed(digits);

function summary(report: Report, outDir: string): string {
  const { coco, matching: m, latency_ms: latency, dataset, endpoint } = report;
  return [
    `Evaluated ${endpoint.model}${endpoint.model_version ? ` (version ${endpoint.model_version})` : ''} via the ${endpoint.kind.replace('-', ' ')} at ${endpoint.url} on ${dataset.images} images (${dataset.format}: ${dataset.annotations} objects, ${dataset.crowd_regions} crowd regions) in ${report.duration_s} s`,
    `  COCO mAP@[.50:.95] ${show(coco.AP)}   AP50 ${show(coco.AP50)}   AP75 ${show(coco.AP75)}   small/medium/large ${show(coco.APs)}/${show(coco.APm)}/${show(coco.APl)}   AR@100 ${show(coco.AR100)}`,
    `  At score >= ${m.score_threshold}, IoU >= ${m.iou_threshold}: precision ${show(m.precision)}  recall ${show(m.recall)}  F1 ${show(m.f1)}  mean IoU ${show(m.mean_iou)}  (TP ${m.tp}, FP ${m.fp}, FN ${m.fn})`,
    latency
      ? `  Latency per image: p50 ${latency.p50.toFixed(1)} ms, p95 ${latency.p95.toFixed(1)} ms (mean ${latency.mean.toFixed(1)} ms, ${latency.count} requests, one at a time)`
      : '  Latency per image: n/a (no request succeeded)',
    ...(Object.keys(report.unmatched_labels).length > 0
      ? [
          `  Left out: model labels that are not dataset classes: ${Object.keys(report.unmatched_labels).join(', ')}`,
        ]
      : []),
    `  Report: ${path.join(outDir, report.files.html)} (also report.json, detections.json, ground-truth.json, images/)`,
  ].join('\n');
}

async function main(): Promise<number> {
  const startedAt = new Date();
  const options = parseCliOptions(process.argv.slice(2), process.env, { repoRoot, now: startedAt });
  if (options === 'help') {
    console.log(USAGE);
    return 0;
  }
  const dataset = await loadDataset(options.dataset, options.format);
  const request = {
    minScore: options.minScore,
    deadlineMs: options.timeoutSeconds * 1000,
    requestTimeoutMs: options.timeoutSeconds * 1000,
    token: options.token,
  };

  let local: LocalModelServer | null = null;
  const stopLocal = () => local?.stop();
  process.once('SIGINT', () => void Promise.resolve(stopLocal()).finally(() => process.exit(130)));
  process.once('SIGTERM', () => void Promise.resolve(stopLocal()).finally(() => process.exit(143)));
  try {
    let url = options.url;
    if (!url) {
      console.error('No --url given: starting the model server on a free loopback port for this run');
      local = await startLocalModelServer();
      url = local.url;
    }
    const detector = await connectDetector(url, options.model, request);
    const bar = progressBar(`Evaluating ${options.model}`);
    const run = await runEvaluation({
      dataset,
      detector,
      scoreThreshold: options.scoreThreshold,
      iouThreshold: options.iouThreshold,
      onImageDone: (done, total) => bar.update(done, total),
    });
    const report = buildReport(run, {
      datasetPath: options.dataset,
      endpoint: detector.endpoint,
      minScore: options.minScore,
      startedAt,
      durationMs: Date.now() - startedAt.getTime(),
    });
    await writeOutputs(options.out, run, report, { annotatedImages: options.images });
    console.log(summary(report, options.out));
    if (report.failed_images > 0) {
      const first = report.images.find((image) => image.error);
      console.error(`${report.failed_images} image(s) failed, e.g. ${first?.file_name}: ${first?.error}`);
      return 1;
    }
    return 0;
  } finally {
    await stopLocal();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(`pnpm eval: ${error.message}\n\n${USAGE}`);
      process.exitCode = 2;
      return;
    }
    console.error(`pnpm eval: ${(error as Error).message}`);
    process.exitCode = 1;
  },
);
