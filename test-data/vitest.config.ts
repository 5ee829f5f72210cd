import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'test-data',
    include: ['src/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 120_000,
  },
});
