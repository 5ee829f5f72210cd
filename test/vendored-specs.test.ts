/** The vendored specifications stay byte-for-byte what third_party/specs/PROVENANCE.md says they are. */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './support/run.js';

const SPECS = path.join(ROOT, 'third_party/specs');

/** sha256 per file, from the tables under each `## owner/repo (licence): \`folder/\`` heading. */
function listedHashes(): Map<string, string> {
  const listed = new Map<string, string>();
  const provenance = readFileSync(path.join(SPECS, 'PROVENANCE.md'), 'utf8');
  for (const section of provenance.split(/^## /m).slice(1)) {
    const folder = /`([^`]+\/)`/.exec(section.split('\n')[0]!)?.[1];
    if (!folder) continue;
    for (const [, file, sha256] of section.matchAll(/^\| `([^`]+)` .*\| `([0-9a-f]{64})` +\|$/gm))
      listed.set(`${folder}${file}`, sha256!);
  }
  return listed;
}

describe('third_party/specs', () => {
  it('Should hold exactly the files PROVENANCE.md lists, each with the listed sha256', () => {
    const files = readdirSync(SPECS, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => path.relative(SPECS, path.join(entry.parentPath, entry.name)))
      .filter((file) => file !== 'PROVENANCE.md')
      .sort();
    const listed = listedHashes();
    expect(files).toEqual([...listed.keys()].sort());
    for (const file of files) {
      const sha256 = createHash('sha256')
        .update(readFileSync(path.join(SPECS, file)))
        .digest('hex');
      expect(sha256, file).toBe(listed.get(file));
    }
  });
});
