import { defineConfig } from 'drizzle-kit';

// SQLite (the default, DATABASE_PATH). `pnpm --filter @detection/backend db:generate` writes both dialects.
export default defineConfig({
  dialect: 'sqlite',
  schema: './src/db/schema/sqlite.ts',
  out: './drizzle/sqlite',
});
