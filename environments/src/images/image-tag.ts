import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import dockerignoreModule from '@balena/dockerignore';

const createIgnore = dockerignoreModule as unknown as () => {
  add(patterns: string[]): unknown;
  ignores(file: string): boolean;
};

const git = (repoRoot: string, args: string[]): string[] =>
  execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
    .split('\0')
    .filter(Boolean);

/** The images' Dockerfiles: every tracked `services/<name>/Dockerfile`. */
export function dockerfiles(repoRoot: string): string[] {
  return git(repoRoot, ['ls-files', '-z', '--', 'services/*/Dockerfile']).sort();
}

/**
 * What a build of `dockerfile` reads: the Dockerfile, its ignore file, and every file of the working tree
 * that the ignore file lets into the build context (BuildKit reads `<Dockerfile>.dockerignore` next to the
 * Dockerfile, else the context root's `.dockerignore`). Derived from the files, never listed by hand.
 */
export function buildInputs(repoRoot: string, dockerfile: string, candidates: string[]): string[] {
  const ownIgnore = `${dockerfile}.dockerignore`;
  const ignoreFile = fs.existsSync(path.join(repoRoot, ownIgnore)) ? ownIgnore : '.dockerignore';
  const ignore = createIgnore();
  if (fs.existsSync(path.join(repoRoot, ignoreFile))) {
    ignore.add(fs.readFileSync(path.join(repoRoot, ignoreFile), 'utf8').split('\n'));
  }
  const context = candidates.filter((file) => !ignore.ignores(file));
  return [...new Set([dockerfile, ignoreFile, ...context])].sort();
}

export interface ImageTag {
  tag: string;
  /** Image inputs that differ from the commit (modified, deleted or untracked), when any. */
  dirty: string[];
}

/**
 * `<model-server version>-<commit>` when every image input is as committed, else
 * `<version>-<commit>-dirty-<hash>` where the hash covers the changed inputs' names and contents: each
 * change gets its own tag (so Kubernetes and Knative roll it out), the same change the same tag.
 */
export function imageTag(repoRoot: string): ImageTag {
  const version = (
    JSON.parse(fs.readFileSync(path.join(repoRoot, 'services/model-server/package.json'), 'utf8')) as {
      version: string;
    }
  ).version;
  const commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], {
    cwd: repoRoot,
    encoding: 'utf8',
  }).trim();
  const candidates = git(repoRoot, ['ls-files', '-z', '--cached', '--others', '--exclude-standard']);
  const inputs = new Set(
    dockerfiles(repoRoot).flatMap((dockerfile) => buildInputs(repoRoot, dockerfile, candidates)),
  );
  const changed = new Set([
    ...git(repoRoot, ['diff', '--name-only', '-z', 'HEAD']),
    ...git(repoRoot, ['ls-files', '-z', '--others', '--exclude-standard']),
  ]);
  const dirty = [...changed].filter((file) => inputs.has(file)).sort();
  if (dirty.length === 0) return { tag: `${version}-${commit}`, dirty };
  const hash = createHash('sha256');
  for (const file of dirty) {
    const absolute = path.join(repoRoot, file);
    hash.update(`${file}\0`);
    hash.update(fs.existsSync(absolute) ? fs.readFileSync(absolute) : '\0deleted\0');
    hash.update('\0');
  }
  return { tag: `${version}-${commit}-dirty-${hash.digest('hex').slice(0, 12)}`, dirty };
}
