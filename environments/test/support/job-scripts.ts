/**
 * Runs the shell script of a rendered Job's container for real, with its environment from the manifest and
 * paths redirected to temporary directories: the scripts are tested as written in the overlay, on the same
 * kind of shell (/bin/sh, dash on Debian like the node:bookworm-slim image).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { KubernetesObject } from '../../src/manifests/kubernetes-object.js';

interface JobContainer {
  command?: string[];
  env?: Array<{ name: string; value?: string }>;
}

export interface ScriptRun {
  code: number;
  stdout: string;
  stderr: string;
  /** What the script wrote to RESULT_FILE (the container's termination message). */
  message: string;
}

export function jobContainer(job: KubernetesObject): JobContainer {
  const container = (job.spec as { template: { spec: { containers: JobContainer[] } } }).template.spec
    .containers[0];
  if (!container?.command) throw new Error(`${job.metadata.name} has no command`);
  return container;
}

export async function runJobScript(
  job: KubernetesObject,
  overrides: Record<string, string>,
): Promise<ScriptRun> {
  const container = jobContainer(job);
  const [shell, flag, script] = container.command!;
  if (shell !== '/bin/sh' || flag !== '-c' || !script) throw new Error('expected /bin/sh -c <script>');
  const resultDir = fs.mkdtempSync(path.join(os.tmpdir(), 'job-result-'));
  const resultFile = path.join(resultDir, 'termination-log');
  fs.writeFileSync(resultFile, '');
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
  for (const variable of container.env ?? []) env[variable.name] = variable.value ?? '';
  Object.assign(env, { RESULT_FILE: resultFile }, overrides);
  try {
    return await new Promise<ScriptRun>((resolve) => {
      execFile('/bin/sh', ['-c', script], { env }, (error, stdout, stderr) => {
        resolve({
          code: error ? Number((error as { code?: number }).code ?? 1) : 0,
          stdout,
          stderr,
          message: fs.readFileSync(resultFile, 'utf8'),
        });
      });
    });
  } finally {
    fs.rmSync(resultDir, { recursive: true, force: true });
  }
}
