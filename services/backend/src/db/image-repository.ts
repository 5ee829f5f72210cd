import type {
  DetectionRunRow,
  ImageRow,
  ImageStatus,
  NewDetectionRunRow,
  NewImageRow,
  NewObjectRow,
  ObjectRow,
} from './records.js';

export interface ImageWithRun {
  image: ImageRow;
  run: DetectionRunRow | null;
  objectCount: number;
}

/** A position in the newest-first order: the (created_at, id) of the last item of the previous page. */
export interface ImageCursor {
  createdAt: number;
  id: string;
}

/** What `GET /images` can filter on; every combination is served from an index. */
export interface ImageFilter {
  status?: ImageStatus | undefined;
  /** Images with at least one current object of this label (case-insensitive). */
  label?: string | undefined;
  /** Inclusive lower bound of `created_at` (epoch ms). */
  createdAfter?: number | undefined;
  /** Exclusive upper bound of `created_at` (epoch ms). */
  createdBefore?: number | undefined;
}

export interface ImageQuery extends ImageFilter {
  limit: number;
  after: ImageCursor | null;
}

export interface ImagePage {
  items: ImageWithRun[];
  next: ImageCursor | null;
}

/** A total: exact, or (when counting exactly would mean a scan) the lower bound `count` with `exact: false`. */
export interface ImageTotal {
  count: number;
  exact: boolean;
}

export interface LabelCount {
  label: string;
  imageCount: number;
  objectCount: number;
}

/** The pending-blob row an upload wrote before its blob; committing the image removes it (if it still holds `token`). */
export interface BlobReservation {
  storageKey: string;
  token: string;
}

/** Who deletes an image: its blob is recorded as pending deletion under this owner and token. */
export interface BlobDeletion {
  owner: string;
  token: string;
  now: number;
}

export class DuplicateImageError extends Error {
  constructor(readonly imageId: string) {
    super(`image ${imageId} already exists`);
  }
}

/** The upload's pending-blob row is gone or was claimed by the sweeper: its blob may already be deleted. */
export class ReservationLostError extends Error {
  constructor(readonly storageKey: string) {
    super(`the pending upload of ${storageKey} was reclaimed before it was committed`);
  }
}

/** Counting stops here: past it a filtered total is reported as "at least". */
export const totalCountLimit = 1000;

/**
 * All SQL for images, detection runs, objects and their label and status tallies, the same for SQLite and
 * PostgreSQL (one test suite runs against both). Every multi-row change is one transaction that is safe with
 * concurrent writers on other replicas: uniqueness comes from constraints, never from a check made earlier.
 */
export interface ImageRepository {
  find(imageId: string): Promise<ImageWithRun | null>;
  exists(imageId: string): Promise<boolean>;
  /** Newest first, filtered; one index range per page whatever the cursor's depth. */
  list(query: ImageQuery): Promise<ImagePage>;
  /** Exact from the tallies for no filter, a status or a label alone; otherwise counted up to `totalCountLimit`. */
  count(filter: ImageFilter): Promise<ImageTotal>;
  /** Every label with at least one image, most images first. */
  labels(): Promise<LabelCount[]>;
  /**
   * Inserts a new image with its first run (completed or failed) and that run's objects, and removes the upload's
   * pending-blob row, all or nothing. Throws `DuplicateImageError` when the image exists (whoever inserted it) and
   * `ReservationLostError` when the reservation is gone.
   */
  insertImage(
    image: NewImageRow,
    run: NewDetectionRunRow,
    found: NewObjectRow[],
    reservation: BlobReservation,
  ): Promise<void>;
  /** Replaces the image's objects with a new completed run's; null if the image is gone. */
  replaceDetections(
    imageId: string,
    run: NewDetectionRunRow,
    found: NewObjectRow[],
    now: number,
  ): Promise<ImageRow | null>;
  /**
   * Records a failed re-run. An image that already has detections keeps them (and its status); one that never had
   * any stays `failed` with the new error. Returns the status afterwards, or null if the image is gone.
   */
  recordFailedRun(imageId: string, run: NewDetectionRunRow, now: number): Promise<ImageStatus | null>;
  /**
   * Deletes the image with its runs, objects and tallies, and records its blob as pending deletion, in one
   * transaction. Returns the blob's storage key, or null when there was no such image.
   */
  delete(imageId: string, deletion: BlobDeletion): Promise<string | null>;
  listObjects(
    imageId: string,
    filter: { label?: string | undefined; minScore?: number | undefined },
  ): Promise<ObjectRow[]>;
  findObject(imageId: string, objectId: string): Promise<ObjectRow | null>;
  /** Whether an image row points at this blob. */
  isReferenced(storageKey: string): Promise<boolean>;
}
