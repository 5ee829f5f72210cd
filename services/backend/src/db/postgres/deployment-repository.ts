import { randomUUID } from 'node:crypto';
import { and, asc, desc, eq } from 'drizzle-orm';
import type {
  DeploymentChanges,
  DeploymentRepository,
  NewDeploymentEvent,
} from '../deployment-repository.js';
import { isUniqueViolation } from '../errors.js';
import type { DeploymentEventRow, DeploymentRow } from '../records.js';
import { deploymentEvents, deployments } from '../schema/postgres.js';
import type { PostgresDatabase } from './connection.js';

export class PostgresDeploymentRepository implements DeploymentRepository {
  constructor(private readonly db: PostgresDatabase) {}

  async list(): Promise<DeploymentRow[]> {
    return this.db.select().from(deployments).orderBy(asc(deployments.name));
  }

  async find(name: string): Promise<DeploymentRow | null> {
    const [row] = await this.db.select().from(deployments).where(eq(deployments.name, name));
    return row ?? null;
  }

  async create(
    row: Omit<DeploymentRow, 'generation'>,
    event: NewDeploymentEvent,
  ): Promise<DeploymentRow | null> {
    try {
      return await this.db.transaction(async (tx) => {
        const [created] = await tx
          .insert(deployments)
          .values({ ...row, generation: 1 })
          .returning();
        await tx
          .insert(deploymentEvents)
          .values({ id: randomUUID(), deploymentName: row.name, ...event, at: row.createdAt });
        return created!;
      });
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
    return this.db.transaction(async (tx) => {
      const [updated] = await tx
        .update(deployments)
        .set({ ...changes, generation: expectedGeneration + 1, updatedAt: now })
        .where(and(eq(deployments.name, name), eq(deployments.generation, expectedGeneration)))
        .returning();
      if (!updated) return null;
      await tx.insert(deploymentEvents).values({ id: randomUUID(), deploymentName: name, ...event, at: now });
      return updated;
    });
  }

  async remove(name: string, expectedGeneration: number): Promise<boolean> {
    const removed = await this.db
      .delete(deployments)
      .where(and(eq(deployments.name, name), eq(deployments.generation, expectedGeneration)))
      .returning({ name: deployments.name });
    return removed.length === 1;
  }

  async history(name: string, limit: number): Promise<DeploymentEventRow[]> {
    const newest = await this.db
      .select()
      .from(deploymentEvents)
      .where(eq(deploymentEvents.deploymentName, name))
      .orderBy(desc(deploymentEvents.at), desc(deploymentEvents.id))
      .limit(limit);
    return newest.reverse();
  }
}
