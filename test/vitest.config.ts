import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'repository',
    include: ['**/*.test.ts'],
    // Runs after every other project: run_all.sh rebuilds the services' dist/ folders in place.
    sequence: { groupOrder: 1 },
    testTimeout: 300_000,
    hookTimeout: 60_000,
  },
});
