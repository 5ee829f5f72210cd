import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export type Dialect = 'sqlite' | 'postgres';

/**
 * Where a dialect's committed drizzle-kit migrations live: `drizzle/<dialect>/` at the package root in
 * development, `dist/drizzle/<dialect>/` next to the bundle in production.
 */
export function migrationsFolder(dialect: Dialect): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [
    path.resolve(here, 'drizzle', dialect),
    path.resolve(here, '../drizzle', dialect),
    path.resolve(here, '../../drizzle', dialect),
  ];
  const found = candidates.find((dir) => fs.existsSync(path.join(dir, 'meta', '_journal.json')));
  if (!found) throw new Error(`drizzle migrations folder not found (looked in ${candidates.join(', ')})`);
  return found;
}
