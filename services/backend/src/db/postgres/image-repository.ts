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
} from '../schema/postgres.js';
import type { PostgresDatabase } from './connection.js';
import { releaseUploadReservation } from './pending-blob-repository.js';

type Transaction = Parameters<Parameters<PostgresDatabase['transaction']>[0]>[0];
type Executor = PostgresDatabase | Transaction;

/**
 * The PostgreSQL implementation (READ COMMITTED). A transaction that changes an image first locks its row
 * (`SELECT … FOR UPDATE`), so a re-detection and a delete of one image on two replicas take turns; the shared
 * count rows are updated in label order, so concurrent uploads never deadlock on them.
 */
export class PostgresImageRepository implements ImageRepository {
  constructor(private readonly db: PostgresDatabase) {}

  async find(imageId: string): Promise<ImageWithRun | null> {
    const [image] = await this.db.select().from(images).where(eq(images.id, imageId));
    return image ? (await this.withRuns([image]))[0]! : null;
  }

  async exists(imageId: string): Promise<boolean> {
    const rows = await this.db.select({ id: images.id }).from(images).where(eq(images.id, imageId));
    return rows.length > 0;
  }

  async list(query: ImageQuery): Promise<ImagePage> {
    const rows =
      query.label === undefined
        ? await this.db
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
        : (
            await this.db
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
          ).map((row) => row.image);
    const { page, next } = toPage(rows, query.limit);
    return { items: await this.withRuns(page), next };
  }

  async count(filter: ImageFilter): Promise<ImageTotal> {
    const { status, label } = filter;
    if (!hasRange(filter) && label === undefined) {
      const [row] = await this.db
        .select({ n: sql`coalesce(sum(${imageStatusCounts.imageCount}), 0)`.mapWith(Number) })
        .from(imageStatusCounts)
        .where(status === undefined ? undefined : eq(imageStatusCounts.status, status));
      return { count: row?.n ?? 0, exact: true };
    }
    if (!hasRange(filter) && status === undefined && label !== undefined) {
      const [row] = await this.db
        .select({ n: labelCounts.imageCount })
        .from(labelCounts)
        .where(eq(labelCounts.label, labelKey(label)));
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
    const [row] = await this.db.select({ n: count() }).from(bounded);
    const n = row?.n ?? 0;
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
      .where(gt(labelCounts.imageCount, 0));
  }

  async insertImage(
    image: NewImageRow,
    run: NewDetectionRunRow,
    found: NewObjectRow[],
    reservation: BlobReservation,
  ): Promise<void> {
    try {
      await this.db.transaction(async (tx) => {
        await releaseUploadReservation(tx, reservation);
        await tx.insert(images).values({ ...image, currentRunId: null });
        await tx.insert(detectionRuns).values(run);
        if (found.length > 0) await tx.insert(objects).values(found);
        if (run.status === 'completed') {
          await tx.update(images).set({ currentRunId: run.id }).where(eq(images.id, image.id));
          await this.writeLabels(tx, image.id, image.createdAt, new Map(), tallyLabels(found));
        }
        await this.addToStatus(tx, image.status, 1);
      });
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
    return this.db.transaction(async (tx) => {
      const [image] = await tx
        .select({ status: images.status, createdAt: images.createdAt })
        .from(images)
        .where(eq(images.id, imageId))
        .for('update');
      if (!image) return null;
      const before = await this.labelsOf(tx, imageId);
      await tx.delete(objects).where(eq(objects.imageId, imageId));
      await tx.insert(detectionRuns).values(run);
      if (found.length > 0) await tx.insert(objects).values(found);
      await this.writeLabels(tx, imageId, image.createdAt, before, tallyLabels(found));
      if (image.status !== 'completed') {
        await this.addToStatus(tx, image.status, -1);
        await this.addToStatus(tx, 'completed', 1);
      }
      const [updated] = await tx
        .update(images)
        .set({ status: 'completed', error: null, currentRunId: run.id, updatedAt: now })
        .where(eq(images.id, imageId))
        .returning();
      return updated ?? null;
    });
  }

  async recordFailedRun(imageId: string, run: NewDetectionRunRow, now: number): Promise<ImageStatus | null> {
    return this.db.transaction(async (tx) => {
      const [image] = await tx
        .select({ status: images.status, currentRunId: images.currentRunId })
        .from(images)
        .where(eq(images.id, imageId))
        .for('update');
      if (!image) return null;
      await tx.insert(detectionRuns).values(run);
      if (image.currentRunId !== null) return image.status;
      await tx
        .update(images)
        .set({ error: run.error ?? null, updatedAt: now })
        .where(eq(images.id, imageId));
      return image.status;
    });
  }

  async delete(imageId: string, deletion: BlobDeletion): Promise<string | null> {
    return this.db.transaction(async (tx) => {
      const [image] = await tx
        .select({ status: images.status, storageKey: images.storageKey })
        .from(images)
        .where(eq(images.id, imageId))
        .for('update');
      if (!image) return null;
      const before = await this.labelsOf(tx, imageId);
      await tx.delete(images).where(eq(images.id, imageId));
      await this.applyLabelDeltas(tx, before, new Map());
      await this.addToStatus(tx, image.status, -1);
      const pending = deletionRecord(image.storageKey, deletion);
      await tx
        .insert(pendingBlobs)
        .values(pending)
        .onConflictDoUpdate({ target: pendingBlobs.storageKey, set: pending });
      return image.storageKey;
    });
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
      .orderBy(objects.rank);
  }

  async findObject(imageId: string, objectId: string): Promise<ObjectRow | null> {
    const [object] = await this.db
      .select()
      .from(objects)
      .where(and(eq(objects.id, objectId), eq(objects.imageId, imageId)));
    return object ?? null;
  }

  async isReferenced(storageKey: string): Promise<boolean> {
    const rows = await this.db
      .select({ id: images.id })
      .from(images)
      .where(eq(images.storageKey, storageKey));
    return rows.length > 0;
  }

  private async withRuns(page: ImageRow[]): Promise<ImageWithRun[]> {
    const currentIds = page.flatMap((image) => (image.currentRunId ? [image.currentRunId] : []));
    const [current, latest] = await Promise.all([
      currentIds.length === 0
        ? []
        : this.db.select().from(detectionRuns).where(inArray(detectionRuns.id, currentIds)),
      Promise.all(
        page
          .filter((image) => image.currentRunId === null)
          .map(async (image) => {
            const [run] = await this.db
              .select()
              .from(detectionRuns)
              .where(eq(detectionRuns.imageId, image.id))
              .orderBy(desc(detectionRuns.createdAt))
              .limit(1);
            return run ?? null;
          }),
      ),
    ]);
    return withRuns(page, current, latest);
  }

  private async labelsOf(tx: Executor, imageId: string): Promise<Map<string, number>> {
    const rows = await tx
      .select({ label: imageLabels.label, objectCount: imageLabels.objectCount })
      .from(imageLabels)
      .where(eq(imageLabels.imageId, imageId));
    return new Map(rows.map((row) => [row.label, row.objectCount]));
  }

  private async writeLabels(
    tx: Executor,
    imageId: string,
    createdAt: number,
    before: Map<string, number>,
    after: Map<string, number>,
  ): Promise<void> {
    if (before.size > 0) await tx.delete(imageLabels).where(eq(imageLabels.imageId, imageId));
    if (after.size > 0) {
      await tx
        .insert(imageLabels)
        .values([...after].map(([label, objectCount]) => ({ imageId, label, objectCount, createdAt })));
    }
    await this.applyLabelDeltas(tx, before, after);
  }

  private async applyLabelDeltas(
    tx: Executor,
    before: Map<string, number>,
    after: Map<string, number>,
  ): Promise<void> {
    const deltas = labelDeltas(before, after);
    if (deltas.length === 0) return;
    await tx
      .insert(labelCounts)
      .values(
        deltas.map((delta) => ({ label: delta.label, imageCount: delta.images, objectCount: delta.objects })),
      )
      .onConflictDoUpdate({
        target: labelCounts.label,
        set: {
          imageCount: sql`${labelCounts.imageCount} + excluded.image_count`,
          objectCount: sql`${labelCounts.objectCount} + excluded.object_count`,
        },
      });
  }

  private async addToStatus(tx: Executor, status: ImageStatus, delta: number): Promise<void> {
    await tx
      .insert(imageStatusCounts)
      .values({ status, imageCount: delta })
      .onConflictDoUpdate({
        target: imageStatusCounts.status,
        set: { imageCount: sql`${imageStatusCounts.imageCount} + ${delta}` },
      });
  }
}
