import { and, count, desc, eq, gt, gte, inArray, sql } from 'drizzle-orm';
import { isUniqueViolation } from '../errors.js';
import { hasRange, rangeConditions, toPage, withRuns } from '../image-query.js';
import {
  type BlobDeletion,
  type BlobReservation,
  DuplicateImageError,
  type ImageFilter,
  type ImagePage,
  type ImageQuery,
  type ImageRepository,
  type ImageTotal,
  type ImageWithRun,
  type LabelCount,
  totalCountLimit,
} from '../image-repository.js';
import { labelDeltas, labelKey, tallyLabels } from '../label-tally.js';
import { deletionRecord } from '../pending-blob-repository.js';
import type {
  ImageRow,
  ImageStatus,
  NewDetectionRunRow,
  NewImageRow,
  NewObjectRow,
  ObjectRow,
} from '../records.js';
import {
  detectionRuns,
  imageLabels,
  imageStatusCounts,
  images,
  labelCounts,
  objects,
  pendingBlobs,
} from '../schema/sqlite.js';
import type { SqliteDatabase } from './connection.js';
import { releaseUploadReservation } from './pending-blob-repository.js';

type Transaction = Parameters<Parameters<SqliteDatabase['transaction']>[0]>[0];
type Executor = SqliteDatabase | Transaction;

/**
 * The SQLite implementation. better-sqlite3 is synchronous: each method runs on the event loop, so every statement
 * here is an index lookup or a bounded index range. Writes take the write lock up front (`BEGIN IMMEDIATE`).
 */
export class SqliteImageRepository implements ImageRepository {
  constructor(private readonly db: SqliteDatabase) {}

  async find(imageId: string): Promise<ImageWithRun | null> {
    const image = this.db.select().from(images).where(eq(images.id, imageId)).get();
    return image ? this.withRuns([image])[0]! : null;
  }

  async exists(imageId: string): Promise<boolean> {
    return this.db.select({ id: images.id }).from(images).where(eq(images.id, imageId)).get() !== undefined;
  }

  async list(query: ImageQuery): Promise<ImagePage> {
    const rows =
      query.label === undefined
        ? this.db
            .select()
            .from(images)
            .where(
              and(
                query.status === undefined ? undefined : eq(images.status, query.status),
                ...rangeConditions(images, query),
              ),
            )
            .orderBy(desc(images.createdAt), desc(images.id))
            .limit(query.limit + 1)
            .all()
        : this.db
            .select({ image: images })
            .from(imageLabels)
            .innerJoin(images, eq(images.id, imageLabels.imageId))
            .where(
              and(
                eq(imageLabels.label, labelKey(query.label)),
                ...rangeConditions({ createdAt: imageLabels.createdAt, id: imageLabels.imageId }, query),
                query.status === undefined ? undefined : eq(images.status, query.status),
              ),
            )
            .orderBy(desc(imageLabels.createdAt), desc(imageLabels.imageId))
            .limit(query.limit + 1)
            .all()
            .map((row) => row.image);
    const { page, next } = toPage(rows, query.limit);
    return { items: this.withRuns(page), next };
  }

  async count(filter: ImageFilter): Promise<ImageTotal> {
    const { status, label } = filter;
    if (!hasRange(filter) && label === undefined) {
      const row = this.db
        .select({ n: sql<number>`coalesce(sum(${imageStatusCounts.imageCount}), 0)` })
        .from(imageStatusCounts)
        .where(status === undefined ? undefined : eq(imageStatusCounts.status, status))
        .get();
      return { count: row?.n ?? 0, exact: true };
    }
    if (!hasRange(filter) && status === undefined && label !== undefined) {
      const row = this.db
        .select({ n: labelCounts.imageCount })
        .from(labelCounts)
        .where(eq(labelCounts.label, labelKey(label)))
        .get();
      return { count: row?.n ?? 0, exact: true };
    }
    const bounded =
      label === undefined
        ? this.db
            .select({ one: sql`1`.as('one') })
            .from(images)
            .where(
              and(
                status === undefined ? undefined : eq(images.status, status),
                ...rangeConditions(images, filter),
              ),
            )
            .limit(totalCountLimit + 1)
            .as('bounded')
        : this.db
            .select({ one: sql`1`.as('one') })
            .from(imageLabels)
            .innerJoin(images, eq(images.id, imageLabels.imageId))
            .where(
              and(
                eq(imageLabels.label, labelKey(label)),
                ...rangeConditions({ createdAt: imageLabels.createdAt, id: imageLabels.imageId }, filter),
                status === undefined ? undefined : eq(images.status, status),
              ),
            )
            .limit(totalCountLimit + 1)
            .as('bounded');
    const n = this.db.select({ n: count() }).from(bounded).get()?.n ?? 0;
    return n > totalCountLimit ? { count: totalCountLimit, exact: false } : { count: n, exact: true };
  }

  async labels(): Promise<LabelCount[]> {
    return this.db
      .select({
        label: labelCounts.label,
        imageCount: labelCounts.imageCount,
        objectCount: labelCounts.objectCount,
      })
      .from(labelCounts)
      .where(gt(labelCounts.imageCount, 0))
      .all();
  }

  async insertImage(
    image: NewImageRow,
    run: NewDetectionRunRow,
    found: NewObjectRow[],
    reservation: BlobReservation,
  ): Promise<void> {
    try {
      this.db.transaction(
        (tx) => {
          releaseUploadReservation(tx, reservation);
          tx.insert(images)
            .values({ ...image, currentRunId: null })
            .run();
          tx.insert(detectionRuns).values(run).run();
          if (found.length > 0) tx.insert(objects).values(found).run();
          if (run.status === 'completed') {
            tx.update(images).set({ currentRunId: run.id }).where(eq(images.id, image.id)).run();
            this.writeLabels(tx, image.id, image.createdAt, new Map(), tallyLabels(found));
          }
          this.addToStatus(tx, image.status, 1);
        },
        { behavior: 'immediate' },
      );
    } catch (error) {
      if (isUniqueViolation(error)) throw new DuplicateImageError(image.id);
      throw error;
    }
  }

  async replaceDetections(
    imageId: string,
    run: NewDetectionRunRow,
    found: NewObjectRow[],
    now: number,
  ): Promise<ImageRow | null> {
    return this.db.transaction(
      (tx) => {
        const image = tx
          .select({ status: images.status, createdAt: images.createdAt })
          .from(images)
          .where(eq(images.id, imageId))
          .get();
        if (!image) return null;
        const before = this.labelsOf(tx, imageId);
        tx.delete(objects).where(eq(objects.imageId, imageId)).run();
        tx.insert(detectionRuns).values(run).run();
        if (found.length > 0) tx.insert(objects).values(found).run();
        this.writeLabels(tx, imageId, image.createdAt, before, tallyLabels(found));
        if (image.status !== 'completed') {
          this.addToStatus(tx, image.status, -1);
          this.addToStatus(tx, 'completed', 1);
        }
        return (
          tx
            .update(images)
            .set({ status: 'completed', error: null, currentRunId: run.id, updatedAt: now })
            .where(eq(images.id, imageId))
            .returning()
            .get() ?? null
        );
      },
      { behavior: 'immediate' },
    );
  }

  async recordFailedRun(imageId: string, run: NewDetectionRunRow, now: number): Promise<ImageStatus | null> {
    return this.db.transaction(
      (tx) => {
        const image = tx
          .select({ status: images.status, currentRunId: images.currentRunId })
          .from(images)
          .where(eq(images.id, imageId))
          .get();
        if (!image) return null;
        tx.insert(detectionRuns).values(run).run();
        if (image.currentRunId !== null) return image.status;
        tx.update(images)
          .set({ error: run.error ?? null, updatedAt: now })
          .where(eq(images.id, imageId))
          .run();
        return image.status;
      },
      { behavior: 'immediate' },
    );
  }

  async delete(imageId: string, deletion: BlobDeletion): Promise<string | null> {
    return this.db.transaction(
      (tx) => {
        const image = tx
          .select({ status: images.status, storageKey: images.storageKey })
          .from(images)
          .where(eq(images.id, imageId))
          .get();
        if (!image) return null;
        const before = this.labelsOf(tx, imageId);
        tx.delete(images).where(eq(images.id, imageId)).run();
        this.applyLabelDeltas(tx, before, new Map());
        this.addToStatus(tx, image.status, -1);
        const pending = deletionRecord(image.storageKey, deletion);
        tx.insert(pendingBlobs)
          .values(pending)
          .onConflictDoUpdate({ target: pendingBlobs.storageKey, set: pending })
          .run();
        return image.storageKey;
      },
      { behavior: 'immediate' },
    );
  }

  async listObjects(
    imageId: string,
    filter: { label?: string | undefined; minScore?: number | undefined },
  ): Promise<ObjectRow[]> {
    return this.db
      .select()
      .from(objects)
      .where(
        and(
          eq(objects.imageId, imageId),
          filter.label === undefined ? undefined : eq(sql`lower(${objects.label})`, labelKey(filter.label)),
          filter.minScore === undefined ? undefined : gte(objects.score, filter.minScore),
        ),
      )
      .orderBy(objects.rank)
      .all();
  }

  async findObject(imageId: string, objectId: string): Promise<ObjectRow | null> {
    return (
      this.db
        .select()
        .from(objects)
        .where(and(eq(objects.id, objectId), eq(objects.imageId, imageId)))
        .get() ?? null
    );
  }

  async isReferenced(storageKey: string): Promise<boolean> {
    return (
      this.db.select({ id: images.id }).from(images).where(eq(images.storageKey, storageKey)).get() !==
      undefined
    );
  }

  private withRuns(page: ImageRow[]): ImageWithRun[] {
    const currentIds = page.flatMap((image) => (image.currentRunId ? [image.currentRunId] : []));
    const current =
      currentIds.length === 0
        ? []
        : this.db.select().from(detectionRuns).where(inArray(detectionRuns.id, currentIds)).all();
    const latest = page
      .filter((image) => image.currentRunId === null)
      .map(
        (image) =>
          this.db
            .select()
            .from(detectionRuns)
            .where(eq(detectionRuns.imageId, image.id))
            .orderBy(desc(detectionRuns.createdAt))
            .limit(1)
            .get() ?? null,
      );
    return withRuns(page, current, latest);
  }

  private labelsOf(tx: Executor, imageId: string): Map<string, number> {
    const rows = tx
      .select({ label: imageLabels.label, objectCount: imageLabels.objectCount })
      .from(imageLabels)
      .where(eq(imageLabels.imageId, imageId))
      .all();
    return new Map(rows.map((row) => [row.label, row.objectCount]));
  }

  /** Replaces the image's label rows (`before` → `after`) and moves the per-label counts by the difference. */
  private writeLabels(
    tx: Executor,
    imageId: string,
    createdAt: number,
    before: Map<string, number>,
    after: Map<string, number>,
  ): void {
    if (before.size > 0) tx.delete(imageLabels).where(eq(imageLabels.imageId, imageId)).run();
    if (after.size > 0) {
      tx.insert(imageLabels)
        .values([...after].map(([label, objectCount]) => ({ imageId, label, objectCount, createdAt })))
        .run();
    }
    this.applyLabelDeltas(tx, before, after);
  }

  private applyLabelDeltas(tx: Executor, before: Map<string, number>, after: Map<string, number>): void {
    const deltas = labelDeltas(before, after);
    if (deltas.length === 0) return;
    tx.insert(labelCounts)
      .values(
        deltas.map((delta) => ({ label: delta.label, imageCount: delta.images, objectCount: delta.objects })),
      )
      .onConflictDoUpdate({
        target: labelCounts.label,
        set: {
          imageCount: sql`${labelCounts.imageCount} + excluded.image_count`,
          objectCount: sql`${labelCounts.objectCount} + excluded.object_count`,
        },
      })
      .run();
  }

  private addToStatus(tx: Executor, status: ImageStatus, delta: number): void {
    tx.insert(imageStatusCounts)
      .values({ status, imageCount: delta })
      .onConflictDoUpdate({
        target: imageStatusCounts.status,
        set: { imageCount: sql`${imageStatusCounts.imageCount} + ${delta}` },
      })
      .run();
  }
}
