import type { Logger } from 'drizzle-orm/logger';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { migrationsFolder } from '../migrations-folder.js';
import * as schema from '../schema/postgres.js';

export type PostgresDatabase = NodePgDatabase<typeof schema> & { $client: pg.Pool };

export interface PostgresOptions {
  /** Connections in this process's pool. */
  poolMax?: number;
  migrationsFolder?: string;
  applicationName?: string;
  logger?: Logger;
  /** An idle pooled connection failed (the server restarted, the network dropped): logged, not fatal. */
  onIdleError?: (error: Error) => void;
}

/** The session-level advisory lock that serializes migrations across replicas (an arbitrary, fixed bigint). */
export const migrationLockKey = 7_302_118_041_911;

/** Connects a pool and applies pending migrations under `pg_advisory_lock`, so replicas starting together queue. */
export async function openPostgres(url: string, options: PostgresOptions = {}): Promise<PostgresDatabase> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolMax ?? 10,
    application_name: options.applicationName ?? 'detection-backend',
    connectionTimeoutMillis: 10_000,
  });
  pool.on('error', (error) => options.onIdleError?.(error));
  try {
    await migrateWithLock(pool, options.migrationsFolder ?? migrationsFolder('postgres'));
  } catch (error) {
    await pool.end();
    throw error;
  }
  return drizzle(pool, { schema, ...(options.logger ? { logger: options.logger } : {}) });
}

export async function migrateWithLock(pool: pg.Pool, folder: string): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [migrationLockKey]);
    try {
      await migrate(drizzle(client), { migrationsFolder: folder });
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [migrationLockKey]);
    }
  } finally {
    client.release();
  }
}
