/**
 * Where image bytes live. Keys are relative (see image-keys.ts); each implementation maps them into its own
 * namespace. There is deliberately no listing: what the backend deletes is decided from its database, never from
 * what happens to be in the bucket or directory.
 */
export interface BlobStorage {
  readonly kind: 'fs' | 's3';
  /** Stores the bytes durably (the call returns only after they are safely written), replacing any existing blob. */
  put(key: string, body: Uint8Array, contentType: string): Promise<void>;
  /** The bytes, or `null` when there is no blob under that key. */
  get(key: string): Promise<Uint8Array<ArrayBuffer> | null>;
  exists(key: string): Promise<boolean>;
  /** Removes the blob; removing a missing blob is not an error. */
  delete(key: string): Promise<void>;
  /** Throws when the storage cannot be used (directory not writable, bucket unreachable). */
  check(): Promise<void>;
}

const keyPattern = /^[A-Za-z0-9][A-Za-z0-9_-]*(\/[A-Za-z0-9][A-Za-z0-9_.-]*)*$/;

export function assertValidKey(key: string): void {
  if (!keyPattern.test(key) || key.length > 512 || key.split('/').some((part) => part === '..')) {
    throw new Error(`invalid storage key: ${JSON.stringify(key)}`);
  }
}
