/**
 * ./run_all.sh, the README's set-up-and-run command, run for real: it builds, starts the model server and the
 * backend on free ports, runs the smoke test (and the evaluation on the shipped dataset), prints the summary,
 * and stops everything it started. `--skip-install` because the workspace is already installed here.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort } from '../services/backend/test/support/processes.js';
import { addConfigWithoutOnnx } from '../services/model-server/test/support/temp-repository.js';
import { ROOT, runSmoke } from './support/run.js';

const SCRIPT = path.join(ROOT, 'run_all.sh');

interface Run {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  /** Resolves when the output contains `text`; rejects if the script exits first or after `timeoutMs`. */
  waitFor(text: string, timeoutMs: number): Promise<void>;
}

function startRunAll(args: string[], env: NodeJS.ProcessEnv = process.env): Run {
  const child = spawn(SCRIPT, args, { cwd: ROOT, env: { ...env, NO_COLOR: '1' } });
  let output = '';
  const listeners = new Set<() => void>();
  const append = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const waitFor = (text: string, timeoutMs: number) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!output.includes(text)) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no "${text}" within ${timeoutMs} ms:\n${output}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      listeners.add(check);
      void exited.then(() => {
        if (!listeners.has(check)) return;
        cleanup();
        reject(new Error(`run_all.sh exited before printing "${text}":\n${output}`));
      });
      check();
    });
  return { child, output: () => output, exited, waitFor };
}

async function runAll(
  args: string[],
  env?: NodeJS.ProcessEnv,
): Promise<{ code: number | null; output: string }> {
  const run = startRunAll(args, env);
  const code = await run.exited;
  return { code, output: run.output() };
}

/** Options for a local run on the given ports that skips the install and logs to `logDir`. */
function localRun(ports: { api: number; model: number }, logDir: string, more: string[] = []): string[] {
  return [
    '--skip-install',
    '--api-port',
    String(ports.api),
    '--model-port',
    String(ports.model),
    '--log-dir',
    logDir,
    ...more,
  ];
}

async function expectClosed(port: number): Promise<void> {
  await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
}

const shippedDataset = path.join(ROOT, 'evaluation/dataset');

describe('./run_all.sh (the README set-up-and-run command)', () => {
  let workDir: string;
  let dataDir: string;
  beforeAll(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), 'run-all-'));
    // Shared by the two full runs: the second finds the smoke image the first one kept.
    dataDir = path.join(workDir, 'data');
  });
  afterAll(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  it('Should, with --once, build, start both services, pass the smoke test, evaluate the shipped dataset, print the summary and stop everything', async () => {
    const [apiPort, modelPort] = [await closedPort(), await closedPort()];
    const logDir = path.join(workDir, 'logs-once');
    const { code, output } = await runAll([
      '--once',
      ...localRun({ api: apiPort, model: modelPort }, logDir, ['--data-dir', dataDir]),
    ]);
    expect(code, output).toBe(0);

    // The smoke test uploaded the shipped photo, listed its objects and fetched one.
    expect(output).toMatch(/smoke: 201 in \d+ ms: image [0-9a-f]{64} \(512x512\), [1-9]\d* object\(s\)/);
    expect(output).toContain('smoke: GET /images/{image_id}/objects lists the same');
    expect(output).toMatch(
      /smoke: GET \/images\/\{image_id\}\/objects\/[0-9a-f-]{36} returns person 0\.\d{3}/,
    );
    expect(output).toContain('smoke: OK (uploaded, listed, fetched one object; image kept');

    const summary = output.slice(output.indexOf('==> the stack is up'));
    expect(summary).toContain(`Web UI         http://localhost:${apiPort}/\n`);
    expect(summary).toContain(`API            http://localhost:${apiPort}/images\n`);
    expect(summary).toContain(`Swagger UI     http://localhost:${apiPort}/docs\n`);
    expect(summary).toContain(`OpenAPI        http://localhost:${apiPort}/openapi.json\n`);
    expect(summary).toContain(`Model server   http://localhost:${modelPort}/v2`);
    // The detections of the smoke image, as the smoke test wrote them.
    const smoke = JSON.parse(await readFile(path.join(logDir, 'smoke.json'), 'utf8')) as {
      image_id: string;
      count: number;
      detections: { label: string; score: number; bbox: number[] }[];
    };
    expect(smoke.count).toBeGreaterThan(0);
    expect(smoke.detections).toHaveLength(smoke.count);
    expect(summary).toContain(
      `Smoke image    samples/astronaut.jpg → image ${smoke.image_id.slice(0, 12)}… (512x512): ` +
        `${smoke.count} object(s) by centernet-coco v1`,
    );
    for (const d of smoke.detections) {
      expect(summary).toMatch(
        new RegExp(
          `\\n {19}${d.label} +${d.score.toFixed(3)}  \\[${d.bbox.map(Math.round).join(', ')}\\]\\n`,
        ),
      );
    }
    expect(smoke.detections.map((d) => d.label)).toContain('person');
    expect(summary).toContain(`annotated: http://localhost:${apiPort}/images/${smoke.image_id}/annotated`);

    // The evaluation ran on the dataset the repository ships, against the model server.
    expect(existsSync(shippedDataset), 'evaluation/dataset is shipped').toBe(true);
    const report = JSON.parse(await readFile(path.join(logDir, 'evaluation/report.json'), 'utf8'));
    const fixed = (v: number, digits: number) => v.toFixed(digits);
    expect(summary).toContain(
      `Evaluation     ${report.dataset.images} images, ${report.dataset.annotations} ground-truth objects, centernet-coco v1`,
    );
    expect(summary).toContain(
      `mAP@[.5:.95] ${fixed(report.coco.AP, 3)}   AP50 ${fixed(report.coco.AP50, 3)}   AP75 ${fixed(report.coco.AP75, 3)}`,
    );
    expect(summary).toContain(
      `F1 ${fixed(report.matching.f1, 3)} (precision ${fixed(report.matching.precision, 3)}, recall ${fixed(report.matching.recall, 3)})`,
    );
    expect(summary).toContain(
      `Latency        p50 ${fixed(report.latency_ms.p50, 1)} ms   p95 ${fixed(report.latency_ms.p95, 1)} ms`,
    );
    expect(report.latency_ms.count).toBeGreaterThan(0);
    expect(report.coco.AP).toBeGreaterThan(0);
    expect(existsSync(path.join(logDir, 'evaluation/report.html'))).toBe(true);
    expect(summary).toContain(`Report         ${path.join(logDir, 'evaluation/report.html')}`);

    expect(summary).toContain(`Logs           ${logDir}/`);
    for (const file of ['model-server.log', 'backend.log', 'build.log', 'smoke.log', 'evaluation.log']) {
      expect(existsSync(path.join(logDir, file)), file).toBe(true);
    }
    expect(summary).toContain('==> every step passed; stopping (--once)');
    expect(summary).not.toContain('Ctrl-C stops everything');
    // Both services were stopped: their ports are free again.
    await expectClosed(apiPort);
    await expectClosed(modelPort);
  });

  it('Should serve until Ctrl-C, keeping the smoke image, then stop both services and exit 0 (with API_TOKENS: the smoke test sends the first token)', async () => {
    const [apiPort, modelPort] = [await closedPort(), await closedPort()];
    const noDataset = path.join(workDir, 'no-such-dataset');
    // The built models and one that cannot load: it is reported, the others serve.
    const repository = path.join(workDir, 'repository-with-a-broken-model');
    await mkdir(path.join(repository, 'broken', '1'), { recursive: true });
    await writeFile(path.join(repository, 'broken', 'config.json'), '{"name": "broken"');
    for (const model of ['centernet-coco', 'blazeface']) {
      await symlink(path.join(ROOT, 'model/repository', model), path.join(repository, model));
    }
    const { API_TOKEN: _unused, ...env } = process.env;
    const run = startRunAll(
      localRun({ api: apiPort, model: modelPort }, path.join(workDir, 'logs-serve'), [
        '--data-dir',
        dataDir,
        '--dataset',
        noDataset,
      ]),
      { ...env, API_TOKENS: ' first-token , second-token', MODEL_REPOSITORY: repository },
    );
    try {
      await run.waitFor('Ctrl-C stops everything.', 120_000);
    } catch (error) {
      run.child.kill('SIGTERM');
      await run.exited;
      throw error;
    }
    const output = run.output();
    // The first test kept its smoke image in the same data directory: this run replaced it.
    expect(output).toMatch(/smoke: this photo is already stored as [0-9a-f]{64}; deleting that copy/);
    expect(output).toContain(`Evaluation     evaluation skipped: no dataset at ${noDataset}`);
    expect(output).toMatch(
      /run_all\.sh: warning: model broken is UNAVAILABLE and not served: .*config\.json is not valid JSON/,
    );
    // The example in the summary works as printed: it carries the token the backend wants.
    expect(output).toContain(
      `Try            curl -H 'Authorization: Bearer first-token' -F file=@photo.jpg http://localhost:${apiPort}/images`,
    );
    // The model server listens on loopback only: its repository routes can unload models.
    const modelServerLog = await readFile(path.join(workDir, 'logs-serve', 'model-server.log'), 'utf8');
    expect(modelServerLog).toMatch(/"msg":"listening"/);
    expect(modelServerLog).toContain('"host":"127.0.0.1"');

    expect((await fetch(`http://127.0.0.1:${apiPort}/images`)).status).toBe(401);
    const authorization = { authorization: 'Bearer first-token' };
    const listed = (await (
      await fetch(`http://127.0.0.1:${apiPort}/images`, { headers: authorization })
    ).json()) as {
      images: { image_id: string; filename: string }[];
    };
    expect(listed.images.map((image) => image.filename)).toEqual(['astronaut.jpg']);
    expect((await fetch(`http://127.0.0.1:${apiPort}/docs`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${modelPort}/v2/health/ready`)).status).toBe(200);

    // The smoke test on its own, with --delete: it replaces the kept image, then removes it.
    const smoke = await runSmoke([
      '--base-url',
      `http://127.0.0.1:${apiPort}`,
      '--delete',
      '--token',
      'second-token',
    ]);
    expect(smoke.code, smoke.output).toBe(0);
    expect(smoke.output).toContain('smoke: OK (uploaded, listed, fetched one object, deleted)');
    const after = (await (
      await fetch(`http://127.0.0.1:${apiPort}/images`, { headers: authorization })
    ).json()) as {
      images: unknown[];
    };
    expect(after.images).toEqual([]);

    run.child.kill('SIGINT');
    const code = await run.exited;
    expect(code, run.output()).toBe(0);
    expect(run.output()).toContain('==> SIGINT: stopping everything');
    expect(run.output()).toContain('stopping the backend');
    expect(run.output()).toContain('stopping the model server');
    await expectClosed(apiPort);
    await expectClosed(modelPort);
  });

  it('Should say why the model server could not start, from its log', async () => {
    // The README's "add a YOLO export" steps 2–3 without the ONNX file, and no other model.
    const repository = path.join(workDir, 'broken-repository');
    await addConfigWithoutOnnx(repository);
    const [apiPort, modelPort] = [await closedPort(), await closedPort()];
    const { code, output } = await runAll(
      ['--once', ...localRun({ api: apiPort, model: modelPort }, path.join(workDir, 'logs-broken'))],
      { ...process.env, MODEL_REPOSITORY: repository },
    );
    expect(code, output).toBe(1);
    expect(output).toMatch(
      /run_all\.sh: the model server exited during start-up \(exit 1\): no model could be loaded: yolov8n: .*yolov8n has no <version>\/model\.onnx/,
    );
    await expectClosed(modelPort);
  });

  it('Should run on S3 with the README recipe (pnpm s3:local), and with --no-eval print no earlier evaluation', async () => {
    const [apiPort, modelPort, s3Port] = [await closedPort(), await closedPort(), await closedPort()];
    const logDir = path.join(workDir, 'logs-s3');
    const s3Dir = path.join(workDir, 's3');
    // An earlier run's report is in the log directory: --no-eval must not show its figures as this run's.
    await mkdir(path.join(logDir, 'evaluation'), { recursive: true });
    await writeFile(
      path.join(logDir, 'evaluation/report.json'),
      JSON.stringify({
        coco: { AP: 0.123 },
        matching: { f1: 0.456 },
        latency_ms: { p50: 1 },
        dataset: { images: 99 },
      }),
    );
    const s3 = spawn('pnpm', ['s3:local', '--port', String(s3Port), '--dir', s3Dir], {
      cwd: ROOT,
      detached: true,
    });
    try {
      let printed = '';
      await new Promise<void>((resolve, reject) => {
        s3.stdout.on('data', (chunk: Buffer) => {
          printed += chunk.toString('utf8');
          if (printed.includes('./run_all.sh')) resolve();
        });
        s3.once('exit', (code) => reject(new Error(`pnpm s3:local exited with ${code}: ${printed}`)));
      });
      // The variables exactly as pnpm s3:local printed them.
      const recipe = /\n {2}(STORAGE_BACKEND=.*) \\\n {2}(AWS_.*) \.\/run_all\.sh/.exec(printed);
      expect(recipe, printed).not.toBeNull();
      const variables = Object.fromEntries(
        `${recipe![1]} ${recipe![2]}`.split(' ').map((pair) => pair.split('=', 2) as [string, string]),
      );
      expect(variables).toMatchObject({ STORAGE_BACKEND: 's3', S3_ENDPOINT: `http://127.0.0.1:${s3Port}` });
      const dataDir = path.join(workDir, 'data-s3');
      const { code, output } = await runAll(
        [
          '--once',
          '--no-eval',
          ...localRun({ api: apiPort, model: modelPort }, logDir, ['--data-dir', dataDir]),
        ],
        { ...process.env, ...variables },
      );
      expect(code, output).toBe(0);
      const summary = output.slice(output.indexOf('==> the stack is up'));
      expect(summary).toContain('Evaluation     evaluation skipped (--no-eval)');
      expect(summary).not.toContain('mAP');
      expect(existsSync(path.join(logDir, 'evaluation'))).toBe(false);
      expect(summary).toContain(`images in s3://${variables.S3_BUCKET}/`);
      // The smoke image went to the S3 server, not to the data directory.
      const smoke = JSON.parse(await readFile(path.join(logDir, 'smoke.json'), 'utf8')) as {
        image_id: string;
      };
      const stored = (await readdir(s3Dir, { recursive: true })).filter((file) =>
        file.includes(smoke.image_id),
      );
      expect(stored.length, `objects under ${s3Dir}`).toBeGreaterThan(0);
      expect(existsSync(path.join(dataDir, 'images'))).toBe(false);
    } finally {
      if (s3.pid) process.kill(-s3.pid, 'SIGTERM');
    }
  });

  it('Should refuse a busy port, naming the process that holds it, without building or starting anything', async () => {
    const busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, resolve));
    const busyPort = (busy.address() as net.AddressInfo).port;
    const freePort = await closedPort();
    const logDir = path.join(workDir, 'logs-busy');
    try {
      const { code, output } = await runAll([
        '--once',
        ...localRun({ api: freePort, model: busyPort }, logDir),
      ]);
      expect(code, output).toBe(1);
      expect(output).toContain('cannot start; fix the following and run it again:');
      // ss (or lsof) names this test process as the one listening.
      expect(output).toMatch(
        new RegExp(
          `port ${busyPort} \\(model server\\) is already in use by .+ \\(pid ${process.pid}\\): ` +
            'stop that process, or choose another port with --model-port N',
        ),
      );
      expect(output).not.toContain(`port ${freePort}`);
      expect(output).not.toContain('==>');
      expect(existsSync(logDir)).toBe(false);
      await expectClosed(freePort);
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
  });

  it('Should list every missing prerequisite at once with how to get it', async () => {
    // A PATH with bash, dirname and node only: no curl, no pnpm, no npm.
    const bin = path.join(workDir, 'bin');
    await mkdir(bin, { recursive: true });
    const which = (name: string) =>
      (process.env.PATH ?? '')
        .split(path.delimiter)
        .map((dir) => path.join(dir, name))
        .find((candidate) => existsSync(candidate));
    for (const [name, target] of [
      ['bash', which('bash')],
      ['dirname', which('dirname')],
      ['node', process.execPath],
    ] as const) {
      if (!target) throw new Error(`${name} is not on PATH`);
      await symlink(target, path.join(bin, name));
    }
    const { code, output } = await runAll(['--once', '--skip-install'], { ...process.env, PATH: bin });
    expect(code, output).toBe(1);
    expect(output).toContain('cannot start; fix the following and run it again:');
    expect(output).toContain(
      '  - curl is missing (used to wait for the services): Debian/Ubuntu: sudo apt-get install curl',
    );
    expect(output).toContain('  - pnpm is missing and so is npm to install it');
    expect(output).not.toContain('==>');
  });

  it('Should refuse bad arguments with exit code 2', async () => {
    const mode = await runAll(['--mode', 'cloud']);
    expect(mode.code).toBe(2);
    expect(mode.output).toContain("--mode must be local or kind, not 'cloud'");
    const port = await runAll(['--once', '--api-port', '80x']);
    expect(port.code).toBe(2);
    expect(port.output).toContain("a port must be a number from 1 to 65535, not '80x'");
    const same = await runAll(['--once', '--api-port=9999', '--model-port', '9999']);
    expect(same.code).toBe(2);
    expect(same.output).toContain('the backend and the model server cannot share port 9999');
    const unknown = await runAll(['--onse']);
    expect(unknown.code).toBe(2);
    expect(unknown.output).toContain('unknown option --onse');
  });

  it('Should explain its options, and hand --mode kind over to run_all_k8s.sh', async () => {
    const help = await runAll(['--help']);
    expect(help.code).toBe(0);
    for (const option of [
      '--mode kind',
      '--once',
      '--check',
      '--dataset DIR',
      '--log-dir DIR',
      '--no-eval',
    ]) {
      expect(help.output).toContain(option);
    }
    expect(help.output).toContain('model-server port (default 9090) [MODEL_PORT]');
    const kind = await runAll(['--mode', 'kind', '--help']);
    expect(kind.code).toBe(0);
    expect(kind.output).toContain(
      'Usage: ./run_all_k8s.sh [--deploy | --verify [--json FILE] | --status | --clean',
    );
    expect(help.output).toContain('--no-verify');
  });
});
