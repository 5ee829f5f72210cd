import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import type { PostgresConnection } from './postgres-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The PostgreSQL server that test/global-setup.ts started for this run. */
    postgres: PostgresConnection;
  }
}

export function postgresUrl(connection: PostgresConnection, database: string): string {
  const { user, password, host, port } = connection;
  return `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${host}:${port}/${database}`;
}

/** A new, empty database on the run's PostgreSQL server (one `CREATE DATABASE`); returns its URL. */
export async function createTestDatabase(prefix = 'test'): Promise<string> {
  const connection = inject('postgres');
  const name = `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: postgresUrl(connection, 'postgres') });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  return postgresUrl(connection, name);
}
