import fs from 'node:fs/promises';
import S3rver from 's3rver';

export interface LocalS3 {
  /** http://127.0.0.1:port */
  endpoint: string;
  port: number;
  bucket: string;
  /** s3rver accepts any signature; these are the credentials its documentation uses. */
  credentials: { accessKeyId: string; secretAccessKey: string };
  close(): Promise<void>;
}

/**
 * An S3-compatible server (s3rver) on 127.0.0.1 with one bucket, its objects kept as files under `directory`: the
 * local stand-in for S3 that `pnpm s3:local` runs for users and the storage tests start for themselves.
 */
export async function startLocalS3(options: {
  port: number;
  directory: string;
  bucket: string;
}): Promise<LocalS3> {
  await fs.mkdir(options.directory, { recursive: true });
  const server = new S3rver({
    address: '127.0.0.1',
    port: options.port,
    silent: true,
    directory: options.directory,
    vhostBuckets: false,
    configureBuckets: [{ name: options.bucket }],
  });
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    bucket: options.bucket,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    close: () => server.close(),
  };
}
