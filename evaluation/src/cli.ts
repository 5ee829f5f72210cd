import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type EvaluateOptions,
  parseCliOptions,
  type RescoreOptions,
  USAGE,
  UsageError,
} from './cli-options.js';
import { compareReports } from './compare/compare-reports.js';
import { readReportFile } from './compare/read-report.js';
import { writeComparison } from './compare/write-comparison.js';
import { loadDataset } from './dataset/load-dataset.js';
import { readResultsFile } from './dataset/results-file.js';
import { connectDetector } from './detector/connect-detector.js';
import { type LocalModelServer, startLocalModelServer } from './detector/local-model-server.js';
import { progressBar } from './progress.js';
import { buildReport, type DetectionsSource, type Report } from './report/report.js';
import { writeOutputs } from './report/write-outputs.js';
import { rescoreResults } from './rescore.js';
import { runEvaluation } from './run-evaluation.js';
import type { EvaluationRun } from './score-run.js';
import { comparisonSummary, reportSummary } from './summary.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Builds the report of a scored run, writes it with its files and prints the summary. */
async function writeReport(
  run: EvaluationRun,
  options: { out: string; images: boolean },
  context: { datasetPath: string; startedAt: Date } & DetectionsSource,
): Promise<Report> {
  const report = buildReport(run, { ...context, durationMs: Date.now() - context.startedAt.getTime() });
  await writeOutputs(options.out, run, report, { annotatedImages: options.images });
  console.log(reportSummary(report, options.out));
  return report;
}

async function evaluate(options: EvaluateOptions, startedAt: Date): Promise<number> {
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
    const report = await writeReport(run, options, {
      datasetPath: options.dataset,
      endpoint: detector.endpoint,
      minScore: options.minScore,
      startedAt,
    });
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

async function rescore(options: RescoreOptions, startedAt: Date): Promise<number> {
  const dataset = await loadDataset(options.dataset, options.format);
  const results = await readResultsFile(options.detections, dataset);
  const run = rescoreResults({
    dataset,
    results,
    scoreThreshold: options.scoreThreshold,
    iouThreshold: options.iouThreshold,
  });
  await writeReport(run, options, {
    datasetPath: options.dataset,
    detectionsFile: options.detections,
    startedAt,
  });
  return 0;
}

async function main(): Promise<number> {
  const startedAt = new Date();
  const options = parseCliOptions(process.argv.slice(2), process.env, { repoRoot, now: startedAt });
  if (options === 'help') {
    console.log(USAGE);
    return 0;
  }
  if (options.command === 'compare') {
    const [a, b] = await Promise.all([readReportFile(options.a), readReportFile(options.b)]);
    const comparison = compareReports(a, b, startedAt);
    await writeComparison(options.out, comparison, { a, b });
    console.log(comparisonSummary(comparison, options.out));
    return 0;
  }
  if (options.command === 'rescore') return rescore(options, startedAt);
  return evaluate(options, startedAt);
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
