import type { TestProject } from 'vitest/node';
import { startPostgresServer } from './support/postgres-server.js';
import './support/postgres-database.js';

/** One PostgreSQL server for the whole backend test run; each test file creates its own database on it. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const postgres = await startPostgresServer();
  project.provide('postgres', postgres.connection);
  return () => postgres.stop();
}
