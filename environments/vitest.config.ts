import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'environments',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
