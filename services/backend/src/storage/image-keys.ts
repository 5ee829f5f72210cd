import { randomUUID } from 'node:crypto';

/**
 * The one place that builds and recognises the keys of image blobs. Relative to the storage root (STORAGE_DIR, or
 * S3_PREFIX in the bucket): `images/<first two hex digits>/<sha256>-<upload id>`. The upload id makes every write
 * its own key, so two replicas storing the same bytes never write (or later delete) each other's blob. Keys of
 * databases from before it (`images/ab/<sha256>`) are still read and deleted.
 */
export function newImageStorageKey(imageId: string): string {
  return `images/${imageId.slice(0, 2)}/${imageId}-${randomUUID().replaceAll('-', '')}`;
}

const imageKeyPattern = /^images\/([0-9a-f]{2})\/([0-9a-f]{64})(-[0-9a-f]{32})?$/;

/** True only for a key in the backend's own format: anything else in the bucket or directory is never touched. */
export function isImageStorageKey(key: string): boolean {
  const match = imageKeyPattern.exec(key);
  return match !== null && match[2]!.startsWith(match[1]!);
}
