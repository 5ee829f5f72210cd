/**
 * The image tag (`k8s image-tag`, used by run_all_k8s.sh): `<version>-<commit>` for a tree whose image inputs
 * are as committed, `-dirty-<hash of the changes>` otherwise, where the inputs are derived from the
 * Dockerfiles and their .dockerignore files. Checked on a scratch git repository holding this repository's
 * real Dockerfiles and ignore files, and on this repository itself.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { buildInputs, dockerfiles, imageTag } from '../src/images/image-tag.js';
import { environmentsDir } from '../src/manifests/overlays.js';

const repoRoot = path.resolve(environmentsDir, '..');
let scratch: string;

const git = (...args: string[]) =>
  execFileSync('git', ['-c', 'user.email=test@example.com', '-c', 'user.name=test', ...args], {
    cwd: scratch,
    encoding: 'utf8',
  }).trim();
const write = (file: string, content: string) => {
  fs.mkdirSync(path.dirname(path.join(scratch, file)), { recursive: true });
  fs.writeFileSync(path.join(scratch, file), content);
};

beforeEach(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'image-tag-'));
  for (const service of ['backend', 'model-server']) {
    for (const file of ['Dockerfile', 'Dockerfile.dockerignore']) {
      write(
        `services/${service}/${file}`,
        fs.readFileSync(path.join(repoRoot, 'services', service, file), 'utf8'),
      );
    }
  }
  write('services/model-server/package.json', '{"name":"@detection/model-server","version":"0.1.0"}\n');
  write('services/model-server/src/index.ts', 'export {};\n');
  write('services/backend/package.json', '{"name":"@detection/backend","version":"0.1.0"}\n');
  write('services/backend/src/index.ts', 'export {};\n');
  write('services/web/src/main.tsx', 'export {};\n');
  write('model/package.json', '{"name":"@detection/model"}\n');
  write('model/src/build-repository.ts', 'export {};\n');
  for (const file of [
    'package.json',
    'pnpm-lock.yaml',
    'pnpm-workspace.yaml',
    '.npmrc',
    'tsconfig.base.json',
  ]) {
    write(file, `${file}\n`);
  }
  write('README.md', '# readme\n');
  write('environments/overlays/local/kustomization.yaml', 'resources: []\n');
  write('.gitignore', 'node_modules/\n');
  git('init', '-q');
  git('add', '-A');
  git('commit', '-q', '-m', 'initial');
});
afterEach(() => {
  fs.rmSync(scratch, { recursive: true, force: true });
});

describe('k8s image-tag', () => {
  test('a tree whose image inputs are as committed: <version>-<commit>', () => {
    write('README.md', '# edited, not an image input\n');
    write('environments/overlays/local/kustomization.yaml', 'resources: [x.yaml]\n');
    write('services/backend/node_modules/left-over/index.js', 'git-ignored\n');
    expect(imageTag(scratch)).toEqual({ tag: `0.1.0-${git('rev-parse', '--short=12', 'HEAD')}`, dirty: [] });
  });

  test.each([
    '.npmrc',
    'pnpm-workspace.yaml',
    'tsconfig.base.json',
    'pnpm-lock.yaml',
    'services/web/src/main.tsx',
    'model/src/build-repository.ts',
    'services/backend/Dockerfile.dockerignore',
  ])('a change to %s is a change of the images', (file) => {
    const commit = git('rev-parse', '--short=12', 'HEAD');
    write(file, 'changed\n');
    const first = imageTag(scratch);
    expect(first.dirty).toEqual([file]);
    expect(first.tag).toMatch(new RegExp(`^0\\.1\\.0-${commit}-dirty-[0-9a-f]{12}$`));
    // The same change gives the same tag; another change another tag.
    expect(imageTag(scratch).tag).toBe(first.tag);
    write(file, 'changed again\n');
    expect(imageTag(scratch).tag).not.toBe(first.tag);
  });

  test('new and deleted files in a build context count too', () => {
    write('services/backend/src/routes/new-route.ts', 'export {};\n');
    fs.rmSync(path.join(scratch, 'services/model-server/src/index.ts'));
    expect(imageTag(scratch).dirty).toEqual([
      'services/backend/src/routes/new-route.ts',
      'services/model-server/src/index.ts',
    ]);
  });
});

test('this repository: the inputs are derived from both Dockerfiles and their ignore files', () => {
  expect(dockerfiles(repoRoot)).toEqual(['services/backend/Dockerfile', 'services/model-server/Dockerfile']);
  const candidates = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
    cwd: repoRoot,
    encoding: 'utf8',
  })
    .split('\n')
    .filter(Boolean);
  const backend = buildInputs(repoRoot, 'services/backend/Dockerfile', candidates);
  const modelServer = buildInputs(repoRoot, 'services/model-server/Dockerfile', candidates);
  for (const inputs of [backend, modelServer]) {
    expect(inputs).toEqual(
      expect.arrayContaining([
        'package.json',
        'pnpm-lock.yaml',
        'pnpm-workspace.yaml',
        '.npmrc',
        'tsconfig.base.json',
      ]),
    );
    expect(inputs.some((file) => file.startsWith('environments/') || file === 'README.md')).toBe(false);
  }
  expect(backend).toEqual(
    expect.arrayContaining(['services/backend/Dockerfile', 'services/backend/Dockerfile.dockerignore']),
  );
  expect(backend.some((file) => file.startsWith('services/web/src/'))).toBe(true);
  expect(modelServer.some((file) => file.startsWith('model/src/'))).toBe(true);
  expect(modelServer.some((file) => file.startsWith('services/backend/'))).toBe(false);
});
