import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Runs a command from the repository root to completion; stdout and stderr interleaved in `output`. */
export function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    child.once('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** The backend's smoke test, run the way run_all.sh runs it. */
export function runSmoke(args: string[]): Promise<{ code: number | null; output: string }> {
  return run('pnpm', ['--silent', '--filter', '@detection/backend', 'smoke', '--', ...args], {
    ...process.env,
    INIT_CWD: ROOT,
  });
}
