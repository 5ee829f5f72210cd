import { randomUUID } from 'node:crypto';

/**
 * The one place that builds and recognises the keys of video blobs, like image-keys.ts:
 * `videos/<first two hex digits>/<sha256>-<upload id>`, and `…-annotated` for a video's annotated MP4.
 */
export function newVideoStorageKey(videoId: string): string {
  return `videos/${videoId.slice(0, 2)}/${videoId}-${randomUUID().replaceAll('-', '')}`;
}

/** The key of a video's annotated MP4 (`…-<upload id>-annotated`), a blob of its own. */
export function newAnnotatedVideoStorageKey(videoId: string): string {
  return `${newVideoStorageKey(videoId)}-annotated`;
}

const videoKeyPattern = /^videos\/([0-9a-f]{2})\/([0-9a-f]{64})-[0-9a-f]{32}(-annotated)?$/;

/** True only for a key in the backend's own video format. */
export function isVideoStorageKey(key: string): boolean {
  const match = videoKeyPattern.exec(key);
  return match !== null && match[2]!.startsWith(match[1]!);
}
