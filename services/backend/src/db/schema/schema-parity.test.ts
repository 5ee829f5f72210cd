import fs from 'node:fs/promises';
import { type PgTable, getTableConfig as pgTableConfig } from 'drizzle-orm/pg-core';
import { type SQLiteTable, getTableConfig as sqliteTableConfig } from 'drizzle-orm/sqlite-core';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { openTestDatabase, query } from '../../../test/support/database.js';
import { makeTempDir } from '../../../test/support/temp-dir.js';
import type { Database } from '../database.js';
import type {
  DeploymentEventRow,
  DeploymentRow,
  DetectionRunRow,
  ImageRow,
  NewDetectionRunRow,
  NewImageRow,
  NewObjectRow,
  ObjectRow,
  PendingBlobRow,
  VideoFrameRow,
  VideoJobRow,
  VideoRow,
  VideoTrackRow,
} from '../records.js';
import * as postgres from './postgres.js';
import * as sqlite from './sqlite.js';

/** A dialect-neutral description of a schema: what both dialects must agree on. */
interface TableShape {
  columns: Record<string, { type: string; notNull: boolean }>;
  primaryKey: string[];
  indexes: Record<string, { columns: string[]; unique: boolean }>;
  foreignKeys: string[];
}
type SchemaShape = Record<string, TableShape>;

// integer/bigint and real/double precision hold the same values in the two dialects.
const typeFamily = (sqlType: string) => {
  const type = sqlType.toLowerCase();
  if (['integer', 'bigint', 'int4', 'int8'].includes(type)) return 'integer';
  if (['real', 'double precision', 'float8'].includes(type)) return 'real';
  return type;
};

const sortKeys = <T>(record: Record<string, T>) =>
  Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));

function declaredShape(tables: Array<SQLiteTable | PgTable>, dialect: 'sqlite' | 'postgres'): SchemaShape {
  const shape: SchemaShape = {};
  for (const table of tables) {
    const config =
      dialect === 'sqlite' ? sqliteTableConfig(table as SQLiteTable) : pgTableConfig(table as PgTable);
    const primaryKey = [
      ...config.columns.filter((column) => column.primary).map((column) => column.name),
      ...config.primaryKeys.flatMap((key) => key.columns.map((column) => column.name)),
    ];
    shape[config.name] = {
      columns: sortKeys(
        Object.fromEntries(
          config.columns.map((column) => [
            column.name,
            { type: typeFamily(column.getSQLType()), notNull: column.notNull || column.primary },
          ]),
        ),
      ),
      primaryKey,
      indexes: sortKeys(
        Object.fromEntries(
          config.indexes.map((index) => [
            index.config.name,
            {
              columns: index.config.columns.map((column) => (column as { name: string }).name),
              unique: index.config.unique,
            },
          ]),
        ),
      ),
      foreignKeys: config.foreignKeys
        .map((key) => {
          const reference = key.reference();
          const target =
            dialect === 'sqlite'
              ? sqliteTableConfig(reference.foreignTable as SQLiteTable).name
              : pgTableConfig(reference.foreignTable as PgTable).name;
          return `${reference.columns.map((c) => c.name).join(',')} -> ${target}(${reference.foreignColumns.map((c) => c.name).join(',')}) on delete ${key.onDelete ?? 'no action'}`;
        })
        .sort(),
    };
  }
  return sortKeys(shape);
}

const tablesOf = (module: Record<string, unknown>) =>
  Object.values(module).filter(
    (value) => typeof value === 'object' && value !== null && 'getSQL' in value,
  ) as Array<SQLiteTable | PgTable>;

/** The schema as the migrated database actually has it. */
async function migratedShape(database: Database): Promise<SchemaShape> {
  const shape: SchemaShape = {};
  if (database.dialect === 'sqlite') {
    const tables = await query<{ name: string }>(
      database,
      "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '__drizzle%'",
    );
    for (const { name } of tables) {
      const columns = await query<{ name: string; type: string; notnull: number; pk: number }>(
        database,
        `select * from pragma_table_info('${name}')`,
      );
      const indexes = await query<{ name: string; unique: number; origin: string }>(
        database,
        `select * from pragma_index_list('${name}') where origin = 'c'`,
      );
      const foreignKeys = await query<{ from: string; table: string; to: string; on_delete: string }>(
        database,
        `select * from pragma_foreign_key_list('${name}')`,
      );
      shape[name] = {
        columns: sortKeys(
          Object.fromEntries(
            columns.map((c) => [c.name, { type: typeFamily(c.type), notNull: c.notnull === 1 || c.pk > 0 }]),
          ),
        ),
        primaryKey: columns
          .filter((c) => c.pk > 0)
          .sort((a, b) => a.pk - b.pk)
          .map((c) => c.name),
        indexes: sortKeys(
          Object.fromEntries(
            await Promise.all(
              indexes.map(async (index) => [
                index.name,
                {
                  columns: (
                    await query<{ name: string }>(
                      database,
                      `select name from pragma_index_info('${index.name}') order by seqno`,
                    )
                  ).map((c) => c.name),
                  unique: index.unique === 1,
                },
              ]),
            ),
          ),
        ),
        foreignKeys: foreignKeys
          .map((key) => `${key.from} -> ${key.table}(${key.to}) on delete ${key.on_delete.toLowerCase()}`)
          .sort(),
      };
    }
    return sortKeys(shape);
  }
  const columns = await query<{
    table_name: string;
    column_name: string;
    data_type: string;
    is_nullable: string;
  }>(
    database,
    "select table_name, column_name, data_type, is_nullable from information_schema.columns where table_schema = 'public'",
  );
  for (const column of columns) {
    shape[column.table_name] ??= { columns: {}, primaryKey: [], indexes: {}, foreignKeys: [] };
    shape[column.table_name]!.columns[column.column_name] = {
      type: typeFamily(column.data_type),
      notNull: column.is_nullable === 'NO',
    };
  }
  const constraints = await query<{
    table: string;
    type: string;
    name: string;
    columns: string[];
    definition: string;
  }>(
    database,
    `select c.conrelid::regclass::text as table, c.contype as type, c.conname as name, pg_get_constraintdef(c.oid) as definition,
       array(select a.attname from unnest(c.conkey) with ordinality k(n, i) join pg_attribute a
         on a.attrelid = c.conrelid and a.attnum = k.n order by k.i)::text[] as columns
     from pg_constraint c join pg_namespace n on n.oid = c.connamespace where n.nspname = 'public'`,
  );
  for (const constraint of constraints) {
    const table = shape[constraint.table]!;
    if (constraint.type === 'p') table.primaryKey = constraint.columns;
    if (constraint.type === 'f') {
      const match = /REFERENCES (\w+)\((\w+)\)(?: ON DELETE (CASCADE|SET NULL))?/.exec(
        constraint.definition,
      )!;
      table.foreignKeys.push(
        `${constraint.columns.join(',')} -> ${match[1]}(${match[2]}) on delete ${(match[3] ?? 'no action').toLowerCase()}`,
      );
    }
  }
  const indexes = await query<{ table: string; name: string; unique: boolean; columns: string[] }>(
    database,
    `select t.relname as table, i.relname as name, x.indisunique as unique,
       array(select a.attname from unnest(x.indkey) with ordinality k(n, o) join pg_attribute a
         on a.attrelid = t.oid and a.attnum = k.n order by k.o)::text[] as columns
     from pg_index x join pg_class i on i.oid = x.indexrelid join pg_class t on t.oid = x.indrelid
     join pg_namespace n on n.oid = t.relnamespace where n.nspname = 'public' and not x.indisprimary`,
  );
  for (const index of indexes)
    shape[index.table]!.indexes[index.name] = { columns: index.columns, unique: index.unique };
  for (const table of Object.values(shape)) {
    table.columns = sortKeys(table.columns);
    table.indexes = sortKeys(table.indexes);
    table.foreignKeys.sort();
  }
  return sortKeys(shape);
}

describe('Schema parity between SQLite and PostgreSQL', () => {
  const sqliteShape = declaredShape(tablesOf(sqlite), 'sqlite');
  const postgresShape = declaredShape(tablesOf(postgres), 'postgres');
  let dir: string;
  const databases: Database[] = [];

  beforeAll(async () => {
    dir = await makeTempDir('backend-schema-parity-');
  });
  afterAll(async () => {
    await Promise.all(databases.map((database) => database.close()));
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('Should declare the same tables, columns, nullability, keys, indexes and foreign keys in both dialects', () => {
    expect(Object.keys(sqliteShape)).toEqual([
      'deployment_events',
      'deployments',
      'detection_runs',
      'image_labels',
      'image_status_counts',
      'images',
      'label_counts',
      'objects',
      'pending_blobs',
      'video_frames',
      'video_jobs',
      'video_tracks',
      'videos',
    ]);
    expect(postgresShape).toEqual(sqliteShape);
  });

  it('Should infer the same row types in both dialects (checked by the type checker)', () => {
    expectTypeOf<typeof postgres.images.$inferSelect>().toEqualTypeOf<ImageRow>();
    expectTypeOf<typeof postgres.videos.$inferSelect>().toEqualTypeOf<VideoRow>();
    expectTypeOf<typeof postgres.videoJobs.$inferSelect>().toEqualTypeOf<VideoJobRow>();
    expectTypeOf<typeof postgres.videoFrames.$inferSelect>().toEqualTypeOf<VideoFrameRow>();
    expectTypeOf<typeof postgres.videoTracks.$inferSelect>().toEqualTypeOf<VideoTrackRow>();
    expectTypeOf<typeof postgres.images.$inferInsert>().toEqualTypeOf<NewImageRow>();
    expectTypeOf<typeof postgres.detectionRuns.$inferSelect>().toEqualTypeOf<DetectionRunRow>();
    expectTypeOf<typeof postgres.detectionRuns.$inferInsert>().toEqualTypeOf<NewDetectionRunRow>();
    expectTypeOf<typeof postgres.objects.$inferSelect>().toEqualTypeOf<ObjectRow>();
    expectTypeOf<typeof postgres.objects.$inferInsert>().toEqualTypeOf<NewObjectRow>();
    expectTypeOf<typeof postgres.pendingBlobs.$inferSelect>().toEqualTypeOf<PendingBlobRow>();
    expectTypeOf<typeof postgres.deployments.$inferSelect>().toEqualTypeOf<DeploymentRow>();
    expectTypeOf<typeof postgres.deploymentEvents.$inferSelect>().toEqualTypeOf<DeploymentEventRow>();
  });

  it('Should index every foreign key column (a delete must not scan the referencing table)', () => {
    for (const [name, table] of Object.entries(sqliteShape)) {
      for (const key of table.foreignKeys) {
        const column = key.split(' ')[0]!;
        const leading = [
          table.primaryKey,
          ...Object.values(table.indexes).map((index) => index.columns),
        ].some((columns) => columns[0] === column);
        expect(leading, `${name}.${column}`).toBe(true);
      }
    }
  });

  it.each(['sqlite', 'postgres'] as const)(
    'Should migrate a %s database to exactly the declared schema',
    async (dialect) => {
      const database = await openTestDatabase(dialect, dir);
      databases.push(database);
      expect(await migratedShape(database)).toEqual(dialect === 'sqlite' ? sqliteShape : postgresShape);
    },
  );
});
