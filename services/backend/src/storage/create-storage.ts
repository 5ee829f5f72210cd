import type { Env } from '../env.js';
import { FsBlobStorage } from './fs-storage.js';
import { S3BlobStorage } from './s3-storage.js';
import type { BlobStorage } from './storage.js';

export function createStorage(env: Env): BlobStorage {
  if (env.STORAGE_BACKEND === 's3') {
    return new S3BlobStorage({
      bucket: env.S3_BUCKET!,
      prefix: env.S3_PREFIX,
      region: env.S3_REGION,
      ...(env.S3_ENDPOINT ? { endpoint: env.S3_ENDPOINT } : {}),
      forcePathStyle: env.S3_FORCE_PATH_STYLE,
    });
  }
  return new FsBlobStorage(env.STORAGE_DIR);
}
