import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { TfGraphModelJson, TfSignature } from './graph-model-json.js';
import { decodeWeights, type TfConstant } from './weights.js';

export interface TfGraphModel {
  json: TfGraphModelJson;
  weights: Map<string, TfConstant>;
  /** Raw concatenated weight shards, kept so tfjs can load the very same bytes in parity tests. */
  weightData: Uint8Array;
  /** Every file read (`model.json`, then the shards) with its path relative to the JSON file's folder. */
  files: { path: string; bytes: Uint8Array }[];
}

/** Reads a graph model's `model.json` and its weight shards (paths relative to the JSON file). */
export async function loadTfjsGraphModel(modelJsonPath: string): Promise<TfGraphModel> {
  const jsonBytes = await readFile(modelJsonPath);
  const json = JSON.parse(jsonBytes.toString('utf8')) as TfGraphModelJson;
  if (json.format !== undefined && json.format !== 'graph-model') {
    throw new Error(`${modelJsonPath}: format "${json.format}" is not a TensorFlow.js graph model`);
  }
  if (!Array.isArray(json.modelTopology?.node)) {
    throw new Error(`${modelJsonPath}: modelTopology.node is missing`);
  }
  const directory = path.dirname(modelJsonPath);
  const files = [{ path: path.basename(modelJsonPath), bytes: jsonBytes as Uint8Array }];
  for (const group of json.weightsManifest) {
    for (const shardPath of group.paths)
      files.push({ path: shardPath, bytes: await readFile(path.join(directory, shardPath)) });
  }
  const weightData = Buffer.concat(files.slice(1).map((file) => file.bytes));
  const specs = json.weightsManifest.flatMap((group) => group.weights);
  return { json, weights: decodeWeights(specs, weightData), weightData, files };
}

/** The model's signature, which some converters store under `userDefinedMetadata`. */
export function graphSignature(json: TfGraphModelJson): TfSignature | undefined {
  return json.signature ?? json.userDefinedMetadata?.signature ?? undefined;
}
