import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  convertGraphModel,
  OPSET_VERSION,
  PRODUCER_NAME,
  PRODUCER_VERSION,
} from '../convert/convert-graph-model.js';
import { loadTfjsGraphModel } from '../tfjs/load-graph-model.js';
import { CATALOG, type CatalogEntry, SOURCE_PACKAGE } from './catalog.js';
import { converterFingerprint, sha256 } from './fingerprint.js';
import {
  MODEL_CONFIG_FILE,
  MODEL_FILE,
  MODEL_VERSION,
  type ModelConfig,
  type ModelConfigInput,
  modelConfigSchema,
  postprocessingOutputs,
} from './model-config.js';
import { sourcePackageDir, sourcePackageVersion } from './source-package.js';
import { tensorSpecOf } from './tensor-spec.js';
import { verifyBatching, verifyOnnxModel } from './verify-onnx.js';

export interface BuiltModel {
  config: ModelConfig;
  directory: string;
  onnxBytes: number;
  milliseconds: number;
  /** Why the catalog asked for batching but the model was built with a fixed batch of 1. */
  batchingProblem?: string;
}

/** Converts one catalog entry and returns its ONNX bytes and validated config, without touching the disk. */
export async function buildModel(
  entry: CatalogEntry,
  fingerprint: string,
): Promise<{ config: ModelConfig; onnx: Uint8Array; batchingProblem?: string }> {
  const packageDir = sourcePackageDir(SOURCE_PACKAGE);
  const modelJsonPath = path.join(packageDir, entry.sourceFile);
  const graphModel = await loadTfjsGraphModel(modelJsonPath);
  const sourceDir = path.posix.dirname(entry.sourceFile);
  const source = {
    package: SOURCE_PACKAGE,
    version: sourcePackageVersion(SOURCE_PACKAGE),
    files: graphModel.files.map((file) => ({
      path: path.posix.join(sourceDir, file.path),
      sha256: sha256(file.bytes),
    })),
    license: entry.license,
    origin: entry.origin,
  };
  const convert = (dynamicBatch: boolean) =>
    convertGraphModel(graphModel, {
      graphName: entry.config.name,
      ...(entry.config.description ? { docString: entry.config.description } : {}),
      metadata: {
        source: `${source.package}@${source.version}/${entry.sourceFile}`,
        origin: entry.origin,
        license: entry.license,
      },
      dynamicBatch,
    });
  const { max_batch_size: maxBatchSize, dynamic_batching: dynamicBatching, ...unbatched } = entry.config;
  let result: ReturnType<typeof convertGraphModel> | null = null;
  let batching: Pick<ModelConfigInput, 'max_batch_size' | 'dynamic_batching'> = {};
  let batchingProblem: string | undefined;
  if ((maxBatchSize ?? 0) > 1) {
    try {
      const batched = convert(true);
      const sizes = [...new Set([2, 4, maxBatchSize!].filter((size) => size <= maxBatchSize!))];
      await verifyBatching(entry.config.name, batched.bytes, batched.inputs.map(tensorSpecOf), sizes);
      result = batched;
      batching = {
        max_batch_size: maxBatchSize,
        ...(dynamicBatching && { dynamic_batching: dynamicBatching }),
      };
    } catch (error) {
      // The graph does not allow a batch dimension: serve it unbatched (fixed batch of 1).
      batchingProblem = error instanceof Error ? error.message : String(error);
      batching = { max_batch_size: 0 };
    }
  }
  result ??= convert(false);
  const config = modelConfigSchema.parse({
    ...unbatched,
    ...batching,
    platform: 'onnx',
    inputs: result.inputs.map(tensorSpecOf),
    outputs: result.outputs.map(tensorSpecOf),
    source,
    build: {
      converter: `${PRODUCER_NAME} ${PRODUCER_VERSION}`,
      converter_fingerprint: fingerprint,
      opset: OPSET_VERSION,
      onnx_sha256: sha256(result.bytes),
    },
  });
  checkPostprocessingOutputs(config);
  await verifyOnnxModel(config.name, result.bytes, config.inputs, config.outputs);
  return { config, onnx: result.bytes, ...(batchingProblem && { batchingProblem }) };
}

function checkPostprocessingOutputs(config: ModelConfig): void {
  const outputs = new Set(config.outputs.map((output) => output.name));
  const post = config.postprocessing;
  const referenced = post ? postprocessingOutputs(post) : [];
  for (const name of referenced) {
    if (!outputs.has(name))
      throw new Error(`${config.name}: postprocessing reads output "${name}", which the model lacks`);
  }
}

/**
 * Writes `<repository>/<name>/config.json` and `<repository>/<name>/1/model.onnx` for every catalog
 * model. Each model is written to a staging folder first and renamed into place, so an interrupted
 * build never leaves a half-written model behind.
 */
export async function buildRepository(
  repositoryDir: string,
  catalog: readonly CatalogEntry[] = CATALOG,
): Promise<BuiltModel[]> {
  await mkdir(repositoryDir, { recursive: true });
  const fingerprint = await converterFingerprint();
  const built: BuiltModel[] = [];
  for (const entry of catalog) {
    const started = performance.now();
    const { config, onnx, batchingProblem } = await buildModel(entry, fingerprint);
    const directory = path.join(repositoryDir, config.name);
    const staging = path.join(repositoryDir, `.staging-${config.name}`);
    await rm(staging, { recursive: true, force: true });
    await mkdir(path.join(staging, MODEL_VERSION), { recursive: true });
    await writeFile(path.join(staging, MODEL_VERSION, MODEL_FILE), onnx);
    await writeFile(path.join(staging, MODEL_CONFIG_FILE), `${JSON.stringify(config, null, 2)}\n`);
    await rm(directory, { recursive: true, force: true });
    await rename(staging, directory);
    built.push({
      config,
      directory,
      onnxBytes: onnx.byteLength,
      milliseconds: performance.now() - started,
      ...(batchingProblem && { batchingProblem }),
    });
  }
  return built;
}
