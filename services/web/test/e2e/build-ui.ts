import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { build } from 'vite';
import { webRoot } from './stack.js';

/** Builds the UI exactly as `pnpm build` does, into a temp dir (so a test never clobbers services/web/dist). */
export async function buildUi(): Promise<string> {
  const outDir = await mkdtemp(path.join(os.tmpdir(), 'web-e2e-dist-'));
  await build({
    root: webRoot,
    configFile: path.join(webRoot, 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true },
  });
  return outDir;
}
