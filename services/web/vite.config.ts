import { defineConfig } from 'vite';
import { precompress } from './build/precompress.js';

export default defineConfig({
  base: './',
  plugins: [precompress()],
  oxc: {
    jsx: { runtime: 'automatic', importSource: 'preact' },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    assetsInlineLimit: 0,
  },
  server: {
    proxy: Object.fromEntries(
      [
        '/images',
        '/videos',
        '/jobs',
        '/detect',
        '/models',
        '/health',
        '/ready',
        '/docs',
        '/openapi.json',
      ].map((path) => [path, process.env.BACKEND_URL ?? 'http://127.0.0.1:8000']),
    ),
  },
});
