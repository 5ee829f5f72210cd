import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { type LocalS3, startLocalS3 } from '../../scripts/local-s3.js';

export interface RunningS3Server {
  endpoint: string;
  bucket: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** Stops answering (connections refused) and keeps the objects: an S3 outage. */
  pause(): Promise<void>;
  /** Serves the same objects again on the same address. */
  resume(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts a real S3-compatible HTTP server (s3rver) on 127.0.0.1 with one empty bucket. */
export async function startS3Server(bucket = 'detections-test'): Promise<RunningS3Server> {
  const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'backend-s3rver-'));
  let s3: LocalS3 | null = await startLocalS3({ port: 0, directory, bucket });
  const { port, endpoint, credentials } = s3;
  return {
    endpoint,
    bucket,
    credentials,
    async pause() {
      await s3?.close();
      s3 = null;
    },
    async resume() {
      s3 = await startLocalS3({ port, directory, bucket });
    },
    async stop() {
      await s3?.close();
      s3 = null;
      await fs.rm(directory, { recursive: true, force: true });
    },
  };
}

/** Every object key in the bucket (under `prefix`), read with ListObjectsV2: what a test checks the bucket against. */
export async function listObjectKeys(server: RunningS3Server, prefix = ''): Promise<string[]> {
  const client = new S3Client({
    region: 'us-east-1',
    endpoint: server.endpoint,
    forcePathStyle: true,
    credentials: server.credentials,
  });
  const keys: string[] = [];
  try {
    let token: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({
          Bucket: server.bucket,
          ...(prefix ? { Prefix: prefix } : {}),
          ...(token ? { ContinuationToken: token } : {}),
        }),
      );
      for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  } finally {
    client.destroy();
  }
  return keys.sort();
}
