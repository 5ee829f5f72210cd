import { randomUUID } from 'node:crypto';

/**
 * The one place that builds and recognises the keys of video blobs, like image-keys.ts:
 * `videos/<first two hex digits>/<sha256>-<upload id>`.
 */
export function newVideoStorageKey(videoId: string): string {
  return `videos/${videoId.slice(0, 2)}/${videoId}-${randomUUID().replaceAll('-', '')}`;
}

const videoKeyPattern = /^videos\/([0-9a-f]{2})\/([0-9a-f]{64})-[0-9a-f]{32}$/;

/** True only for a key in the backend's own video format. */
export function isVideoStorageKey(key: string): boolean {
  const match = videoKeyPattern.exec(key);
  return match !== null && match[2]!.startsWith(match[1]!);
}
