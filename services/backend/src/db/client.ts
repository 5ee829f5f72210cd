import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { type BetterSQLite3Database, drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import * as schema from './schema.js';

export type DetectionDatabase = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

/**
 * Where the committed drizzle-kit migrations live: `drizzle/` at the package root in development,
 * `dist/drizzle/` next to the bundle in production (both are one level above the running module).
 */
export function defaultMigrationsFolder(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [
    path.resolve(here, 'drizzle'),
    path.resolve(here, '../drizzle'),
    path.resolve(here, '../../drizzle'),
  ];
  const found = candidates.find((dir) => fs.existsSync(path.join(dir, 'meta', '_journal.json')));
  if (!found) throw new Error(`drizzle migrations folder not found (looked in ${candidates.join(', ')})`);
  return found;
}

/** Opens (creating if needed) the SQLite file with WAL and foreign keys on, and applies pending migrations. */
export function openDatabase(
  file: string,
  migrationsFolder: string = defaultMigrationsFolder(),
): DetectionDatabase {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const sqlite = new Database(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  const db = drizzle(sqlite, { schema });
  migrate(db, { migrationsFolder });
  return db;
}
