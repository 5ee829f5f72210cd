/**
 * A clone works with nothing beside it: no tracked file other than documentation refers to a folder outside the
 * repository where the project's development machines keep reference material.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './support/run.js';

// Written in pieces so that this file does not name them itself.
const outsideFolders = [['..', 'shared'].join('/'), ['', 'work', 'shared'].join('/')];

function trackedFiles(): string[] {
  return execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
    .split('\0')
    .filter(Boolean);
}

describe('the repository is self-contained', () => {
  it('Should have no tracked file outside documentation (*.md) that mentions a folder beside the checkout', () => {
    const files = trackedFiles().filter((file) => !file.endsWith('.md'));
    expect(files.length).toBeGreaterThan(100);
    const offenders = files.flatMap((file) => {
      const text = readFileSync(path.join(ROOT, file)).toString('latin1');
      return outsideFolders
        .filter((folder) => text.includes(folder))
        .map((folder) => `${file} mentions ${folder}`);
    });
    expect(offenders).toEqual([]);
  });
});
