import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: ['model', 'services/*', 'evaluation', 'environments'],
  },
});
