import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { build } from 'vite';
import { webRoot } from './stack.js';

/**
 * Builds the UI exactly as `pnpm build` does, into a temp dir (so a test never clobbers services/web/dist). Vitest
 * sets NODE_ENV=test, which would make Vite bundle Preact's development build: production it is, for the build.
 */
export async function buildUi(): Promise<string> {
  const outDir = await mkdtemp(path.join(os.tmpdir(), 'web-e2e-dist-'));
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({
      root: webRoot,
      configFile: path.join(webRoot, 'vite.config.ts'),
      logLevel: 'warn',
      build: { outDir, emptyOutDir: true },
    });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
  return outDir;
}
