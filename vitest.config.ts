import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      'model/vitest.config.ts',
      'services/*/vitest.config.ts',
      'environments/vitest.config.ts',
      'evaluation/vitest.config.ts',
      'test-data/vitest.config.ts',
      'test/vitest.config.ts',
    ],
  },
});
