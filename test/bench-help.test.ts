/** `pnpm bench:* --help` prints usage and exits 0 without building, running or writing results; other options are refused. */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, run } from './support/run.js';

const modified = (file: string) => {
  const full = path.join(ROOT, file);
  return existsSync(full) ? statSync(full).mtimeMs : null;
};

describe('the benchmark scripts', () => {
  it.each([
    ['bench:model', 'bench/results/model.json', []],
    ['bench:model-server', 'bench/results/model-server.json', ['services/model-server/dist/index.js']],
    ['bench:backend', 'bench/results/backend.json', ['services/backend/dist/index.js']],
  ])(
    'Should print usage for `pnpm %s --help` and exit 0 without running',
    async (script, results, bundles) => {
      const before = [results, ...bundles].map(modified);
      const { code, output } = await run('pnpm', ['--silent', script, '--help']);
      expect(code, output).toBe(0);
      expect(output).toMatch(new RegExp(`^Usage: pnpm ${script} \\[--help\\]\\n`));
      expect(output.replace(/\s+/g, ' ')).toContain(`writes ${results} at the repository root`);
      expect(output).not.toMatch(/building|benchmark:/);
      expect([results, ...bundles].map(modified)).toEqual(before);
    },
  );

  it.each([
    ['bench:backend', '--concurrency=4', "Unknown option '--concurrency'"],
    ['bench:model-server', 'centernet-coco', "Unexpected argument 'centernet-coco'"],
    ['bench:model', '-x', "Unknown option '-x'"],
  ])(
    'Should refuse `pnpm %s %s` with exit code 2, the reason and the usage',
    async (script, argument, reason) => {
      const { code, output } = await run('pnpm', ['--silent', script, argument]);
      expect(code, output).toBe(2);
      expect(output).toContain(reason);
      expect(output).toContain(`Usage: pnpm ${script} [--help]`);
      expect(output).not.toMatch(/building|benchmark:/);
    },
  );
});
