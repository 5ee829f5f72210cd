import { sql } from 'drizzle-orm';
import type { Logger as QueryLogger } from 'drizzle-orm/logger';
import type { DeploymentRepository } from './deployment-repository.js';
import type { ImageRepository } from './image-repository.js';
import type { PendingBlobRepository } from './pending-blob-repository.js';
import { openPostgres, type PostgresDatabase } from './postgres/connection.js';
import { PostgresDeploymentRepository } from './postgres/deployment-repository.js';
import { PostgresImageRepository } from './postgres/image-repository.js';
import { PostgresPendingBlobRepository } from './postgres/pending-blob-repository.js';
import { PostgresVideoRepository } from './postgres/video-repository.js';
import { openSqlite, type SqliteDatabase } from './sqlite/connection.js';
import { SqliteDeploymentRepository } from './sqlite/deployment-repository.js';
import { SqliteImageRepository } from './sqlite/image-repository.js';
import { SqlitePendingBlobRepository } from './sqlite/pending-blob-repository.js';
import { SqliteVideoRepository } from './sqlite/video-repository.js';
import type { VideoRepository } from './video-repository.js';

/** The database the backend runs on, whichever dialect: its repositories, a health check and `close()`. */
export type Database = {
  images: ImageRepository;
  pendingBlobs: PendingBlobRepository;
  /** Videos, their jobs (the durable queue), frames and tracks. */
  videos: VideoRepository;
  deployments: DeploymentRepository;
  /** One trivial round trip (`SELECT 1`): the readiness check, which must not grow with the data. */
  ping(): Promise<void>;
  close(): Promise<void>;
} & ({ dialect: 'sqlite'; client: SqliteDatabase } | { dialect: 'postgres'; client: PostgresDatabase });

export type DatabaseConfig =
  | { dialect: 'sqlite'; path: string }
  | { dialect: 'postgres'; url: string; poolMax?: number; applicationName?: string };

export interface DatabaseOptions {
  migrationsFolder?: string;
  queryLogger?: QueryLogger;
  onIdleError?: (error: Error) => void;
}

/** Opens the configured database and brings its schema up to date (both dialects migrate at start). */
export async function openDatabase(config: DatabaseConfig, options: DatabaseOptions = {}): Promise<Database> {
  const shared = {
    ...(options.migrationsFolder ? { migrationsFolder: options.migrationsFolder } : {}),
    ...(options.queryLogger ? { logger: options.queryLogger } : {}),
  };
  if (config.dialect === 'sqlite') {
    const client = openSqlite(config.path, shared);
    return {
      dialect: 'sqlite',
      client,
      images: new SqliteImageRepository(client),
      pendingBlobs: new SqlitePendingBlobRepository(client),
      videos: new SqliteVideoRepository(client),
      deployments: new SqliteDeploymentRepository(client),
      ping: async () => {
        client.get(sql`select 1`);
      },
      close: async () => {
        client.$client.close();
      },
    };
  }
  const client = await openPostgres(config.url, {
    ...shared,
    ...(config.poolMax ? { poolMax: config.poolMax } : {}),
    ...(config.applicationName ? { applicationName: config.applicationName } : {}),
    ...(options.onIdleError ? { onIdleError: options.onIdleError } : {}),
  });
  return {
    dialect: 'postgres',
    client,
    images: new PostgresImageRepository(client),
    pendingBlobs: new PostgresPendingBlobRepository(client),
    videos: new PostgresVideoRepository(client),
    deployments: new PostgresDeploymentRepository(client),
    ping: async () => {
      await client.execute(sql`select 1`);
    },
    close: () => client.$client.end(),
  };
}
