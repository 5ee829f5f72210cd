import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(packageRoot, 'dist');

await fs.rm(outdir, { recursive: true, force: true });
await build({
  // The API, and the video workers alone (`worker.js`, for a separately scaled Deployment).
  entryPoints: {
    index: path.join(packageRoot, 'src/index.ts'),
    worker: path.join(packageRoot, 'src/worker.ts'),
  },
  outdir,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: true,
  legalComments: 'linked',
  // Native addons stay external (loaded from node_modules at run time), and so does swagger-ui-dist, whose
  // static files are served from its package folder. pg-native is pg's optional native binding, never used.
  // @kubernetes/client-node (two thirds of the bundle otherwise) is imported only with DEPLOYMENT_TARGET=kubernetes.
  // The ffmpeg/ffprobe installers find their platform package's binary next to it in node_modules.
  external: [
    'better-sqlite3',
    'sharp',
    'swagger-ui-dist',
    'pg-native',
    '@kubernetes/client-node',
    '@ffmpeg-installer/ffmpeg',
    '@ffprobe-installer/ffprobe',
  ],
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
// Migrations are applied at start from dist/drizzle/<dialect> (see src/db/migrations-folder.ts).
await fs.cp(path.join(packageRoot, 'drizzle'), path.join(outdir, 'drizzle'), { recursive: true });
// The model server's gRPC protos (MODEL_SERVER_PROTOCOL=grpc), loaded from dist/proto by the bundled client.
await fs.cp(path.join(packageRoot, '../model-server/proto'), path.join(outdir, 'proto'), { recursive: true });
const { size } = await fs.stat(path.join(outdir, 'index.js'));
console.log(
  `built dist/index.js (${(size / 1024 / 1024).toFixed(2)} MiB), dist/worker.js, dist/drizzle/{sqlite,postgres}/ and dist/proto/`,
);
