import { and, count, desc, eq, gte, inArray, lt, or, sql } from 'drizzle-orm';
import type { DetectionDatabase } from '../db/client.js';
import {
  type DetectionRunRow,
  detectionRuns,
  type ImageRow,
  type ImageStatus,
  images,
  type NewDetectionRunRow,
  type NewImageRow,
  type NewObjectRow,
  type ObjectRow,
  objects,
} from '../db/schema.js';

export interface ImageWithRun {
  image: ImageRow;
  run: DetectionRunRow | null;
  objectCount: number;
}

export interface ImagePage {
  items: ImageWithRun[];
  next: { createdAt: number; id: string } | null;
}

export class DuplicateImageError extends Error {
  constructor(readonly imageId: string) {
    super(`image ${imageId} already exists`);
  }
}

/** All SQL for images, detection runs and objects; every multi-row change is one transaction. */
export class ImageRepository {
  constructor(private readonly db: DetectionDatabase) {}

  find(imageId: string): ImageWithRun | null {
    const image = this.db.select().from(images).where(eq(images.id, imageId)).get();
    if (!image) return null;
    return this.withRun(image);
  }

  exists(imageId: string): boolean {
    return this.db.select({ id: images.id }).from(images).where(eq(images.id, imageId)).get() !== undefined;
  }

  /** Newest first; `after` is the (created_at, id) of the last item of the previous page. */
  list(limit: number, after: { createdAt: number; id: string } | null): ImagePage {
    const rows = this.db
      .select()
      .from(images)
      .where(
        after
          ? or(
              lt(images.createdAt, after.createdAt),
              and(eq(images.createdAt, after.createdAt), lt(images.id, after.id)),
            )
          : undefined,
      )
      .orderBy(desc(images.createdAt), desc(images.id))
      .limit(limit + 1)
      .all();
    const page = rows.slice(0, limit);
    const runs = new Map<string, DetectionRunRow>();
    const imageIds = page.map((row) => row.id);
    if (imageIds.length > 0) {
      const candidates = this.db
        .select()
        .from(detectionRuns)
        .where(inArray(detectionRuns.imageId, imageIds))
        .orderBy(desc(detectionRuns.createdAt))
        .all();
      // Each image's current run wherever it comes; for an image without one, its newest (first) run.
      const currentRunIds = new Set(page.map((image) => image.currentRunId));
      for (const run of candidates) {
        if (currentRunIds.has(run.id) || !runs.has(run.imageId)) runs.set(run.imageId, run);
      }
    }
    const last = page.at(-1);
    return {
      items: page.map((image) => {
        const run = runs.get(image.id) ?? null;
        return { image, run, objectCount: image.currentRunId && run ? run.objectCount : 0 };
      }),
      next: rows.length > limit && last ? { createdAt: last.createdAt, id: last.id } : null,
    };
  }

  /** Inserts a new image with its first run (completed or failed) and that run's objects, all or nothing. */
  insertImage(image: NewImageRow, run: NewDetectionRunRow, found: NewObjectRow[]): void {
    try {
      this.db.transaction((tx) => {
        tx.insert(images)
          .values({ ...image, currentRunId: null })
          .run();
        tx.insert(detectionRuns).values(run).run();
        if (found.length > 0) tx.insert(objects).values(found).run();
        if (run.status === 'completed') {
          tx.update(images).set({ currentRunId: run.id }).where(eq(images.id, image.id)).run();
        }
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new DuplicateImageError(image.id);
      throw error;
    }
  }

  /**
   * Replaces the image's objects with a new completed run's, atomically. Returns the updated image row, or null if
   * the image is gone.
   */
  replaceDetections(
    imageId: string,
    run: NewDetectionRunRow,
    found: NewObjectRow[],
    now: number,
  ): ImageRow | null {
    return this.db.transaction((tx) => {
      const image = tx.select({ id: images.id }).from(images).where(eq(images.id, imageId)).get();
      if (!image) return null;
      tx.delete(objects).where(eq(objects.imageId, imageId)).run();
      tx.insert(detectionRuns).values(run).run();
      if (found.length > 0) tx.insert(objects).values(found).run();
      return (
        tx
          .update(images)
          .set({ status: 'completed', error: null, currentRunId: run.id, updatedAt: now })
          .where(eq(images.id, imageId))
          .returning()
          .get() ?? null
      );
    });
  }

  /**
   * Records a failed re-run. An image that already has detections keeps them (and its status); one that never had
   * any stays `failed` with the new error. Returns the image's status afterwards, or null if the image is gone.
   */
  recordFailedRun(imageId: string, run: NewDetectionRunRow, now: number): ImageStatus | null {
    return this.db.transaction((tx) => {
      const image = tx.select().from(images).where(eq(images.id, imageId)).get();
      if (!image) return null;
      tx.insert(detectionRuns).values(run).run();
      if (image.currentRunId !== null) return image.status;
      tx.update(images)
        .set({ status: 'failed', error: run.error ?? null, updatedAt: now })
        .where(eq(images.id, imageId))
        .run();
      return 'failed';
    });
  }

  /** Deletes the image, its runs and objects; returns its storage key, or null when there was no such image. */
  delete(imageId: string): string | null {
    const deleted = this.db
      .delete(images)
      .where(eq(images.id, imageId))
      .returning({ storageKey: images.storageKey })
      .get();
    return deleted?.storageKey ?? null;
  }

  listObjects(
    imageId: string,
    filter: { label?: string | undefined; minScore?: number | undefined },
  ): ObjectRow[] {
    return this.db
      .select()
      .from(objects)
      .where(
        and(
          eq(objects.imageId, imageId),
          filter.label === undefined
            ? undefined
            : eq(sql`lower(${objects.label})`, filter.label.toLowerCase()),
          filter.minScore === undefined ? undefined : gte(objects.score, filter.minScore),
        ),
      )
      .orderBy(objects.rank)
      .all();
  }

  findObject(imageId: string, objectId: string): ObjectRow | null {
    return (
      this.db
        .select()
        .from(objects)
        .where(and(eq(objects.id, objectId), eq(objects.imageId, imageId)))
        .get() ?? null
    );
  }

  storageKeys(): Set<string> {
    return new Set(
      this.db
        .select({ key: images.storageKey })
        .from(images)
        .all()
        .map((row) => row.key),
    );
  }

  /** A cheap query that proves the database answers. */
  ping(): number {
    return this.db.select({ n: count() }).from(images).get()?.n ?? 0;
  }

  /** The current (completed) run, or for an image without one the latest failed attempt. */
  private withRun(image: ImageRow): ImageWithRun {
    const run = image.currentRunId
      ? this.db.select().from(detectionRuns).where(eq(detectionRuns.id, image.currentRunId)).get()
      : this.db
          .select()
          .from(detectionRuns)
          .where(eq(detectionRuns.imageId, image.id))
          .orderBy(desc(detectionRuns.createdAt))
          .limit(1)
          .get();
    return { image, run: run ?? null, objectCount: image.currentRunId && run ? run.objectCount : 0 };
  }
}

function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}
