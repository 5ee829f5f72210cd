import { defineConfig } from 'drizzle-kit';

// PostgreSQL (DATABASE_URL). `pnpm --filter @detection/backend db:generate` writes both dialects.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema/postgres.ts',
  out: './drizzle/postgres',
});
