import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { Plugin } from 'vite';

const brotli = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);

/** Text files worth compressing; images and fonts are compressed already. */
export const COMPRESSIBLE_FILE = /\.(?:html|js|mjs|css|svg|json|map|txt)$/;

async function* files(dir: string): AsyncGenerator<string> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* files(full);
    else yield full;
  }
}

/** Writes `file.br` (brotli, quality 11) and `file.gz` (gzip, level 9) next to a file, when they are smaller. */
export async function precompressFile(file: string): Promise<void> {
  const bytes = await readFile(file);
  const variants: [string, Buffer][] = [
    [
      '.br',
      await brotli(bytes, {
        params: {
          [zlib.constants.BROTLI_PARAM_QUALITY]: zlib.constants.BROTLI_MAX_QUALITY,
          [zlib.constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
        },
      }),
    ],
    ['.gz', await gzip(bytes, { level: 9 })],
  ];
  for (const [extension, compressed] of variants) {
    if (compressed.length < bytes.length) await writeFile(`${file}${extension}`, compressed);
  }
}

/**
 * After the build, a brotli and a gzip copy of every text file in the output directory (public files too), for the
 * backend to send as they are (`serveStatic({ precompressed: true })`): no compression work per request.
 */
export function precompress(): Plugin {
  let outDir = '';
  return {
    name: 'detection:precompress',
    apply: 'build',
    configResolved(config) {
      outDir = path.resolve(config.root, config.build.outDir);
    },
    async closeBundle() {
      if (!(await stat(outDir).catch(() => null))) return;
      const jobs: Promise<void>[] = [];
      for await (const file of files(outDir))
        if (COMPRESSIBLE_FILE.test(file)) jobs.push(precompressFile(file));
      await Promise.all(jobs);
    },
  };
}
