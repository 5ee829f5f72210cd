import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { MODEL_CONFIG_FILE, MODEL_FILE, type ModelConfig, modelConfigSchema } from '@detection/model/config';
import { errorMessage, ModelNotFoundError } from './errors.js';

export interface ModelVersionSource {
  version: string;
  modelFile: string;
}

/** A model as found on disk: what could be loaded, not what is loaded. */
export interface ModelSource {
  name: string;
  directory: string;
  /** null: an ONNX file without config.json, served as raw tensors only. */
  config: ModelConfig | null;
  /** Ascending by version number. */
  versions: ModelVersionSource[];
  /** Why this model cannot be loaded, if it cannot. */
  problem?: string;
}

const VERSION_DIRECTORY = /^[1-9][0-9]*$/;
const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

async function subdirectories(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true });
  return entries
    .filter((entry) => entry.isDirectory() || entry.isSymbolicLink())
    .map((entry) => entry.name)
    .filter((name) => !name.startsWith('.'))
    .sort();
}

/** Numeric version folders holding model.onnx (Triton: names starting with "0" are ignored), else a bare model.onnx as version 1. */
async function findVersions(directory: string): Promise<ModelVersionSource[]> {
  const versions: ModelVersionSource[] = [];
  for (const name of await subdirectories(directory)) {
    if (!VERSION_DIRECTORY.test(name)) continue;
    const modelFile = path.join(directory, name, MODEL_FILE);
    if (await isFile(modelFile)) versions.push({ version: name, modelFile });
  }
  if (versions.length === 0 && (await isFile(path.join(directory, MODEL_FILE)))) {
    versions.push({ version: '1', modelFile: path.join(directory, MODEL_FILE) });
  }
  return versions.sort((a, b) => Number(a.version) - Number(b.version));
}

async function looksLikeModelFolder(
  directory: string,
  versions: readonly ModelVersionSource[],
): Promise<boolean> {
  return versions.length > 0 || (await isFile(path.join(directory, MODEL_CONFIG_FILE)));
}

/**
 * Discovers models in a Triton/KServe-style repository (`<root>/<name>/config.json` +
 * `<root>/<name>/<N>/model.onnx`), or treats `root` itself as one model folder when it is one
 * (what KServe's storage initializer leaves in /mnt/models for a single-model storageUri).
 */
export class ModelRepository {
  constructor(readonly root: string) {}

  async list(): Promise<ModelSource[]> {
    try {
      if (!(await stat(this.root)).isDirectory()) throw new Error('not a directory');
    } catch (error) {
      throw new Error(`model repository ${this.root} is not a readable directory: ${errorMessage(error)}`);
    }
    const rootVersions = await findVersions(this.root);
    if (await looksLikeModelFolder(this.root, rootVersions)) {
      return [await this.readModel(this.root, null, rootVersions)];
    }
    const models: ModelSource[] = [];
    for (const name of await subdirectories(this.root)) {
      const directory = path.join(this.root, name);
      const versions = await findVersions(directory);
      if (await looksLikeModelFolder(directory, versions)) {
        models.push(await this.readModel(directory, name, versions));
      }
    }
    return models;
  }

  async find(name: string): Promise<ModelSource> {
    const model = (await this.list()).find((candidate) => candidate.name === name);
    if (!model) throw new ModelNotFoundError(`model repository ${this.root} has no model "${name}"`);
    return model;
  }

  /**
   * `folderName` is the expected model name in a repository; null for a single model folder. `versions` are
   * the folder's versions (findVersions), already read to recognise it as a model folder.
   */
  private async readModel(
    directory: string,
    folderName: string | null,
    versions: ModelVersionSource[],
  ): Promise<ModelSource> {
    const fallbackName = folderName ?? path.basename(path.resolve(directory));
    const source: ModelSource = { name: fallbackName, directory, config: null, versions };
    const configFile = path.join(directory, MODEL_CONFIG_FILE);
    if (await isFile(configFile)) {
      try {
        const parsed = modelConfigSchema.safeParse(JSON.parse(await readFile(configFile, 'utf8')));
        if (!parsed.success) {
          const issues = parsed.error.issues.map(
            (issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
          );
          return { ...source, problem: `${configFile} is not a valid model config: ${issues.join('; ')}` };
        }
        source.config = parsed.data;
        source.name = parsed.data.name;
      } catch (error) {
        return { ...source, problem: `${configFile} is not valid JSON: ${errorMessage(error)}` };
      }
      if (folderName !== null && source.name !== folderName) {
        return {
          ...source,
          problem: `${configFile} names the model "${source.name}" but its folder is "${folderName}"`,
        };
      }
    } else if (!MODEL_NAME.test(source.name)) {
      return { ...source, problem: `folder name "${source.name}" is not a valid model name` };
    }
    if (versions.length === 0) {
      return {
        ...source,
        problem: `${directory} has no <version>/${MODEL_FILE} (versions are folders 1, 2, ...)`,
      };
    }
    return source;
  }
}
