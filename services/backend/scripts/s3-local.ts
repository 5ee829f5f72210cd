/**
 * `pnpm s3:local`: an S3-compatible server on 127.0.0.1 for trying the S3 storage backend without a cloud account.
 * It prints the variables that point `./run_all.sh` (or the backend) at it, and serves until Ctrl-C.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startLocalS3 } from './local-s3.js';

const usage = `Usage: pnpm s3:local [--port N] [--dir DIR] [--bucket NAME]

Starts an S3-compatible server (s3rver) on 127.0.0.1 and serves until Ctrl-C.
  --port N       port to listen on (default 4568; 0 picks a free one)
  --dir DIR      where the objects are kept, as files (default ./data/s3)
  --bucket NAME  the bucket to create (default detections)
  -h, --help     show this help`;

const { values } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
  options: {
    port: { type: 'string', default: '4568' },
    dir: { type: 'string', default: 'data/s3' },
    bucket: { type: 'string', default: 'detections' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`s3:local: --port must be a number from 0 to 65535, not "${values.port}"\n\n${usage}`);
  process.exit(2);
}
// Paths are taken from where the command was run (pnpm runs scripts in the package folder).
const directory = path.resolve(process.env.INIT_CWD ?? process.cwd(), values.dir);
const s3 = await startLocalS3({ port, directory, bucket: values.bucket });
console.log(`S3 server on ${s3.endpoint}, bucket "${s3.bucket}", objects under ${directory}; Ctrl-C stops it.
Run the stack on it with:
  STORAGE_BACKEND=s3 S3_BUCKET=${s3.bucket} S3_ENDPOINT=${s3.endpoint} S3_FORCE_PATH_STYLE=true \\
  AWS_ACCESS_KEY_ID=${s3.credentials.accessKeyId} AWS_SECRET_ACCESS_KEY=${s3.credentials.secretAccessKey} ./run_all.sh`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void s3.close().then(() => process.exit(0));
  });
}
