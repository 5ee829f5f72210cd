/**
 * Shell scripts: shellcheck on every script in the repository (apt package `shellcheck`; .ci/run installs
 * it), and run_all_k8s.sh's own behaviour that can run without Docker or a cluster.
 */
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { environmentsDir } from '../src/manifests/overlays.js';
import { specsDir } from './support/schema-validation.js';

const run = promisify(execFile);
const repoRoot = path.resolve(environmentsDir, '..');
const script = path.join(repoRoot, 'run_all_k8s.sh');

function shellScripts(): string[] {
  return execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
    cwd: repoRoot,
    encoding: 'utf8',
  })
    .split('\n')
    .filter((file) => file && !file.includes('node_modules/'))
    .filter((file) => {
      if (file.endsWith('.sh')) return true;
      const absolute = path.join(repoRoot, file);
      if (!fs.existsSync(absolute) || fs.statSync(absolute).size === 0) return false;
      const firstLine = fs.readFileSync(absolute, 'utf8').split('\n', 1)[0] ?? '';
      return /^#!.*\b(ba)?sh\b/.test(firstLine);
    });
}

async function runScript(args: string[], env: NodeJS.ProcessEnv) {
  try {
    const { stdout, stderr } = await run('bash', [script, ...args], { cwd: repoRoot, env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code: number; stdout: string; stderr: string };
    return { code: failure.code, stdout: failure.stdout, stderr: failure.stderr };
  }
}

/** A PATH holding only the given tools (symlinked), so the script sees exactly what a laptop might lack. */
function pathWith(tools: string[]): string {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'detection-path-'));
  for (const tool of ['bash', 'awk', 'grep', 'sed', 'cat', 'printf', 'uname', 'dirname', ...tools]) {
    const found = execFileSync('bash', ['-c', `command -v ${tool} || true`], { encoding: 'utf8' }).trim();
    if (found.startsWith('/')) fs.symlinkSync(found, path.join(directory, tool));
  }
  return directory;
}

describe('shellcheck', () => {
  const scripts = shellScripts();

  test('shellcheck is installed (apt-get install shellcheck; .ci/run does it)', async () => {
    const { stdout } = await run('shellcheck', ['--version']);
    expect(stdout).toMatch(/version: \d+\.\d+/);
  });

  test('finds the repository’s scripts', () => {
    expect(scripts).toEqual(expect.arrayContaining(['run_all_k8s.sh', 'run_all.sh', '.ci/run']));
  });

  test.each(scripts)('%s is shellcheck-clean', async (file) => {
    const { stdout } = await run('shellcheck', ['--external-sources', '--format=gcc', file], {
      cwd: repoRoot,
    }).catch((error: { stdout?: string; code?: unknown }) => {
      // shellcheck exits 1 with its findings on stdout; anything else (not installed: ENOENT) is a failure.
      if (error.code !== 1) throw error;
      return { stdout: error.stdout ?? '' };
    });
    expect(stdout).toBe('');
  });
});

describe('run_all_k8s.sh', () => {
  test('--help explains its actions and exits 0; anything else is run_all.sh --mode kind, which refuses an unknown option with 2', async () => {
    const help = await runScript(['--help'], process.env);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain(
      'Usage: ./run_all_k8s.sh [--deploy | --verify [--json FILE] | --status | --clean | run_all.sh options]',
    );
    for (const action of [
      '--deploy',
      '--verify',
      '--status',
      '--clean',
      'the same as ./run_all.sh --mode kind',
    ]) {
      expect(help.stdout).toContain(action);
    }
    expect(help.stdout).toContain('Docker needs at least 3 CPUs and 6 GB of memory');
    const unknown = await runScript(['--fast'], process.env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('run_all.sh: unknown option --fast (see ./run_all.sh --help)');
  });

  test('names every missing prerequisite, with where to get it, before touching anything', async () => {
    const bin = pathWith(['node', 'git']);
    try {
      const result = await runScript(['--deploy'], { HOME: os.tmpdir(), PATH: bin });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^missing: docker kind kubectl helm pnpm curl$/m);
      expect(result.stderr).toContain('https://kind.sigs.k8s.io/');
      expect(result.stdout).not.toContain('==> Creating Kind cluster');
    } finally {
      fs.rmSync(bin, { recursive: true, force: true });
    }
  });

  test('says when Docker is installed but its daemon is not running', async () => {
    // This machine has the docker CLI and no daemon; stand-ins for the other tools only need to exist.
    const bin = pathWith(['docker', 'node', 'git', 'kubectl']);
    for (const tool of ['kind', 'helm', 'pnpm', 'curl']) {
      fs.writeFileSync(path.join(bin, tool), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    }
    if (!fs.existsSync(path.join(bin, 'docker'))) {
      // No docker CLI on this machine: a stand-in that fails like `docker info` without a daemon.
      fs.writeFileSync(
        path.join(bin, 'docker'),
        '#!/bin/sh\necho "Cannot connect to the Docker daemon" >&2\nexit 1\n',
        { mode: 0o755 },
      );
    }
    try {
      const result = await runScript(['--deploy'], {
        HOME: os.tmpdir(),
        PATH: bin,
        DOCKER_HOST: 'unix:///nonexistent/docker.sock',
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('docker is installed but its daemon is not reachable');
    } finally {
      fs.rmSync(bin, { recursive: true, force: true });
    }
  });

  test('--clean without kind says that nothing can exist to delete', async () => {
    const bin = pathWith([]);
    try {
      const result = await runScript(['--clean'], { HOME: os.tmpdir(), PATH: bin });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('kind is not installed');
    } finally {
      fs.rmSync(bin, { recursive: true, force: true });
    }
  });

  test('pins the platform versions of the reference specs and never deploys a :latest image', () => {
    const text = fs.readFileSync(script, 'utf8');
    const specs = fs.readdirSync(specsDir);
    expect(text).toContain('ISTIO_VERSION=1.23.2');
    expect(specs).toContain('istio-1.23.2');
    expect(text).toContain('KSERVE_VERSION=v0.15.2');
    expect(specs).toContain('kserve-v0.15.2');
    expect(text).toContain('CERT_MANAGER_VERSION=v1.16.1');
    expect(text).toContain('KNATIVE_OPERATOR_VERSION=1.15.7');
    expect(specs).toContain('net-istio-v1.15.1');
    expect(text).toContain('--server-side');
    expect(text).toMatch(/latest \| \*:\* \| ''\) die "IMAGE_TAG must be a plain tag other than latest/);
    expect(text).toContain('deploy_tool deploy --overlay local');
    // The smoke test and the evaluation of kind mode are run_all.sh's, through the gateway.
    const runAll = fs.readFileSync(path.join(repoRoot, 'run_all.sh'), 'utf8');
    expect(runAll).toContain('pnpm --silent --filter @detection/backend smoke -- --base-url "$api_url"');
    expect(runAll).toContain('pnpm --silent eval --dataset "$dataset" --url "$eval_url"');
  });
});
