import { cp, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const PACKAGE_ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * Bundles the server into `<outdir>/index.js` and its inference worker into `<outdir>/onnx-worker.js`, and copies
 * the gRPC protos (with their licences and provenance) to `<outdir>/proto/`, where the server loads them.
 * Native packages (onnxruntime-node, sharp) stay external: `outdir` must be where they resolve from
 * node_modules (inside this package).
 */
export async function bundle(outdir: string): Promise<string[]> {
  const absolute = path.resolve(PACKAGE_ROOT, outdir);
  await rm(absolute, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: PACKAGE_ROOT,
    entryPoints: { index: 'src/index.ts', 'onnx-worker': 'src/runtime/onnx-worker.ts' },
    outdir: absolute,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['onnxruntime-node', 'sharp'],
    // Bundled CommonJS dependencies call require() for Node built-ins.
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: 'linked',
    legalComments: 'linked',
    metafile: true,
    logLevel: 'warning',
  });
  await cp(path.join(PACKAGE_ROOT, 'proto'), path.join(absolute, 'proto'), { recursive: true });
  return Object.entries(result.metafile.outputs)
    .filter(([file]) => file.endsWith('.js'))
    .map(([file, output]) => `${file} ${(output.bytes / 1024).toFixed(0)} KiB`);
}
