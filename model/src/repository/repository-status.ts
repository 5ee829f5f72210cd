import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CATALOG, type CatalogEntry } from './catalog.js';
import { converterFingerprint, sha256 } from './fingerprint.js';
import { MODEL_CONFIG_FILE, MODEL_FILE, MODEL_VERSION, modelConfigSchema } from './model-config.js';

export const DEFAULT_REPOSITORY_DIR = fileURLToPath(new URL('../../repository', import.meta.url));

/** Why the repository needs a rebuild, or null when every catalog model is present, intact and current. */
export async function staleReason(
  repositoryDir = DEFAULT_REPOSITORY_DIR,
  catalog: readonly CatalogEntry[] = CATALOG,
): Promise<string | null> {
  const fingerprint = await converterFingerprint();
  for (const entry of catalog) {
    const name = entry.config.name;
    const configPath = path.join(repositoryDir, name, MODEL_CONFIG_FILE);
    let raw: string;
    try {
      raw = await readFile(configPath, 'utf8');
    } catch {
      return `${name} is missing`;
    }
    const parsed = modelConfigSchema.safeParse(JSON.parse(raw));
    if (!parsed.success) return `${configPath} is not a valid model config`;
    // Built before batching existed (or by hand): the catalog's batching fields must be decided by a build.
    if (entry.config.max_batch_size !== undefined && parsed.data.max_batch_size === undefined)
      return `${name} has no max_batch_size (built before dynamic batching)`;
    // A graph that cannot batch is built with max_batch_size 0 whatever the catalog asks.
    const built = parsed.data;
    if (
      entry.config.max_batch_size !== undefined &&
      built.max_batch_size !== 0 &&
      (built.max_batch_size !== entry.config.max_batch_size ||
        JSON.stringify(built.dynamic_batching) !== JSON.stringify(entry.config.dynamic_batching))
    )
      return `${name} was built with other batching settings than the catalog's`;
    if (parsed.data.build?.converter_fingerprint !== fingerprint)
      return `${name} was built by different converter code`;
    let onnx: Uint8Array;
    try {
      onnx = await readFile(path.join(repositoryDir, name, MODEL_VERSION, MODEL_FILE));
    } catch {
      return `${name}/${MODEL_VERSION}/${MODEL_FILE} is missing`;
    }
    if (sha256(onnx) !== parsed.data.build.onnx_sha256)
      return `${name}/${MODEL_VERSION}/${MODEL_FILE} does not match its config`;
  }
  return null;
}
