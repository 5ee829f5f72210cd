import { randomUUID } from 'node:crypto';
import { and, asc, desc, eq } from 'drizzle-orm';
import type {
  DeploymentChanges,
  DeploymentRepository,
  NewDeploymentEvent,
} from '../deployment-repository.js';
import { isUniqueViolation } from '../errors.js';
import type { DeploymentEventRow, DeploymentRow } from '../records.js';
import { deploymentEvents, deployments } from '../schema/sqlite.js';
import type { SqliteDatabase } from './connection.js';

export class SqliteDeploymentRepository implements DeploymentRepository {
  constructor(private readonly db: SqliteDatabase) {}

  async list(): Promise<DeploymentRow[]> {
    return this.db.select().from(deployments).orderBy(asc(deployments.name)).all();
  }

  async find(name: string): Promise<DeploymentRow | null> {
    return this.db.select().from(deployments).where(eq(deployments.name, name)).get() ?? null;
  }

  async create(
    row: Omit<DeploymentRow, 'generation'>,
    event: NewDeploymentEvent,
  ): Promise<DeploymentRow | null> {
    try {
      return this.db.transaction(
        (tx) => {
          const created = tx
            .insert(deployments)
            .values({ ...row, generation: 1 })
            .returning()
            .get();
          tx.insert(deploymentEvents)
            .values({ id: randomUUID(), deploymentName: row.name, ...event, at: row.createdAt })
            .run();
          return created;
        },
        { behavior: 'immediate' },
      );
    } catch (error) {
      if (isUniqueViolation(error)) return null;
      throw error;
    }
  }

  async update(
    name: string,
    expectedGeneration: number,
    changes: DeploymentChanges,
    event: NewDeploymentEvent,
    now: number,
  ): Promise<DeploymentRow | null> {
    return this.db.transaction(
      (tx) => {
        const updated = tx
          .update(deployments)
          .set({ ...changes, generation: expectedGeneration + 1, updatedAt: now })
          .where(and(eq(deployments.name, name), eq(deployments.generation, expectedGeneration)))
          .returning()
          .get();
        if (!updated) return null;
        tx.insert(deploymentEvents)
          .values({ id: randomUUID(), deploymentName: name, ...event, at: now })
          .run();
        return updated;
      },
      { behavior: 'immediate' },
    );
  }

  async remove(name: string, expectedGeneration: number): Promise<boolean> {
    const result = this.db
      .delete(deployments)
      .where(and(eq(deployments.name, name), eq(deployments.generation, expectedGeneration)))
      .run();
    return result.changes === 1;
  }

  async history(name: string, limit: number): Promise<DeploymentEventRow[]> {
    const newest = this.db
      .select()
      .from(deploymentEvents)
      .where(eq(deploymentEvents.deploymentName, name))
      .orderBy(desc(deploymentEvents.at), desc(deploymentEvents.id))
      .limit(limit)
      .all();
    return newest.reverse();
  }
}
