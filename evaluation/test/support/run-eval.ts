import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface EvalRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `pnpm eval …` as pnpm runs it: the CLI from the repository root, the caller's directory in INIT_CWD. */
export function runEval(args: string[], cwd = repoRoot): Promise<EvalRun> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(repoRoot, 'evaluation/src/cli.ts'), ...args],
      {
        cwd: repoRoot,
        env: { ...process.env, INIT_CWD: cwd },
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export const readJson = async <T>(file: string): Promise<T> => JSON.parse(await readFile(file, 'utf8')) as T;
