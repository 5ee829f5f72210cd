import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EXAMPLE_PHOTOS } from './example-photos.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../../..');
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('example photos', () => {
  it("Should be unchanged copies of the repository's redistributable photos, each with a thumbnail", () => {
    const attribution = readFileSync(path.join(here, 'ATTRIBUTION.md'), 'utf8');
    for (const example of EXAMPLE_PHOTOS) {
      expect(sha256(path.join(here, 'photos', example.file)), example.file).toBe(
        sha256(path.join(repoRoot, example.repositoryPath)),
      );
      expect(
        readFileSync(path.join(here, 'thumbnails', example.file.replace(/\.jpg$/, '.webp'))).length,
      ).toBeLessThan(10_000);
      expect(attribution).toContain(example.repositoryPath);
      expect(example.licence.label).toMatch(/CC BY|public domain/);
    }
  });
});
