import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { type BetterSQLite3Database, drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import type { Logger } from 'drizzle-orm/logger';
import { migrationsFolder } from '../migrations-folder.js';
import * as schema from '../schema/sqlite.js';

export type SqliteDatabase = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

export interface SqliteOptions {
  migrationsFolder?: string;
  /** Sees every statement (the query-plan test collects them). */
  logger?: Logger;
}

/**
 * Opens (creating if needed) the SQLite file with WAL, applies pending migrations, then turns foreign keys on.
 * Migrations run with foreign keys off, as SQLite requires for table rebuilds (a rebuilt table dropped with them
 * on would cascade-delete its children), and must leave no violation behind.
 */
export function openSqlite(file: string, options: SqliteOptions = {}): SqliteDatabase {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const sqlite = new Database(file);
  try {
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('foreign_keys = OFF');
    const db = drizzle(sqlite, { schema, ...(options.logger ? { logger: options.logger } : {}) });
    const applied = () => appliedMigrations(sqlite);
    const before = applied();
    migrate(db, { migrationsFolder: options.migrationsFolder ?? migrationsFolder('sqlite') });
    // The check reads every row: only after migrations actually ran, so that start-up does not grow with the data.
    if (applied() !== before) {
      const violations = sqlite.pragma('foreign_key_check') as unknown[];
      if (violations.length > 0)
        throw new Error(`the migrated database has ${violations.length} foreign key violations`);
    }
    sqlite.pragma('foreign_keys = ON');
    return db;
  } catch (error) {
    sqlite.close();
    throw error;
  }
}

function appliedMigrations(sqlite: Database.Database): number {
  const table = sqlite
    .prepare("select 1 from sqlite_master where type = 'table' and name = '__drizzle_migrations'")
    .get();
  if (!table) return 0;
  return (sqlite.prepare('select count(*) as n from __drizzle_migrations').get() as { n: number }).n;
}
