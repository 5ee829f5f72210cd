import path from 'node:path';
import { type Database, type DatabaseOptions, openDatabase } from '../../src/db/database.js';
import type { Dialect } from '../../src/db/migrations-folder.js';
import { createTestDatabase } from './postgres-database.js';

export const dialects: Dialect[] = ['sqlite', 'postgres'];

/** A new database of the dialect: a SQLite file in `dir`, or a fresh database on the run's PostgreSQL server. */
export async function openTestDatabase(
  dialect: Dialect,
  dir: string,
  options: DatabaseOptions = {},
): Promise<Database> {
  return dialect === 'sqlite'
    ? openDatabase({ dialect: 'sqlite', path: path.join(dir, 'detections.sqlite') }, options)
    : openDatabase({ dialect: 'postgres', url: await createTestDatabase() }, options);
}

/** Runs raw SQL (with `?` placeholders) on either dialect and returns the rows. */
export async function query<T = Record<string, unknown>>(
  database: Database,
  text: string,
  params: unknown[] = [],
): Promise<T[]> {
  if (database.dialect === 'sqlite') {
    const statement = database.client.$client.prepare(text);
    if (statement.reader) return statement.all(...params) as T[];
    statement.run(...params);
    return [];
  }
  let n = 0;
  const result = await database.client.$client.query(
    text.replace(/\?/g, () => `$${++n}`),
    params,
  );
  return result.rows as T[];
}

export async function countRows(database: Database, table: string): Promise<number> {
  const [row] = await query<{ n: number | string }>(database, `select count(*) as n from ${table}`);
  return Number(row?.n ?? 0);
}
