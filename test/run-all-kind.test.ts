/**
 * ./run_all.sh --mode kind, run for real down to the boundary that cannot run here: docker, kind, kubectl
 * and helm are stand-ins on PATH that record what they are asked and answer what the real ones print
 * (environments/test/support/stub-commands.ts); the deploy tool talks to the fake Kubernetes API with
 * simulated controllers, whose model loader and collector Jobs run their real scripts; the "Istio gateway"
 * is the real backend (with the real model server behind it), so the smoke test, `pnpm eval` and the
 * gateway checks of --verify run over real HTTP. What is checked: the options local mode has (--once,
 * --no-eval, --no-smoke, --dataset, --log-dir), the summary's URLs and figures, the exit status, and that
 * the port-forward and the pod watch it starts are stopped (--once, Ctrl-C). A failing check's exit status
 * is environments/test/kind-scripts.test.ts's.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulateControllers } from '../environments/test/support/fake-controllers.js';
import { FakeKubeApi, kubeconfigFor } from '../environments/test/support/fake-kube-api.js';
import { runJobScript } from '../environments/test/support/job-scripts.js';
import {
  type StubRule,
  type Stubs,
  stubCommands,
  verifyClusterRules,
} from '../environments/test/support/stub-commands.js';
import {
  type ChildServer,
  closedPort,
  startChildServer,
  startModelServer,
} from '../services/backend/test/support/processes.js';
import { ROOT } from './support/run.js';

let workDir: string;
let api: FakeKubeApi;
let kubeconfig: string;
let modelServer: ChildServer;
let backend: ChildServer;
let proxyScript: string;
const realKubectl = execFileSync('bash', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).trim();

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'run-all-kind-'));
  const modelSource = path.join(workDir, 'image-mnt-models');
  const modelVolume = path.join(workDir, 'model-repository-volume');
  await mkdir(path.join(modelSource, 'centernet-coco'), { recursive: true });
  await mkdir(modelVolume);
  await writeFile(path.join(modelSource, 'centernet-coco/config.json'), '{"name":"centernet-coco"}');
  api = new FakeKubeApi({ token: 'kind-token' });
  await api.start();
  kubeconfig = path.join(workDir, 'kubeconfig');
  await writeFile(kubeconfig, kubeconfigFor(api.url, 'kind-token', 'kind-detection'));
  simulateControllers(api, {
    stepMs: 20,
    runJob: async (job) => {
      const result = await runJobScript(job, { MODEL_SOURCE: modelSource, MODEL_VOLUME: modelVolume });
      return { exitCode: result.code, message: result.message };
    },
  });

  const webUi = path.join(workDir, 'web');
  await mkdir(webUi);
  await writeFile(path.join(webUi, 'index.html'), '<!doctype html><title>detection</title>');
  modelServer = await startModelServer(await closedPort());
  backend = await startChildServer({
    args: ['--import', 'tsx', path.join(ROOT, 'services/backend/src/index.ts')],
    cwd: path.join(ROOT, 'services/backend'),
    env: {
      HOST: '127.0.0.1',
      MODEL_SERVER_URL: modelServer.url,
      DATABASE_PATH: path.join(workDir, 'data/detections.sqlite'),
      STORAGE_BACKEND: 'fs',
      STORAGE_DIR: path.join(workDir, 'data/images'),
      WEB_UI_DIR: webUi,
      LOG_LEVEL: 'warn',
    },
    port: await closedPort(),
    readyPath: '/health',
  });
  // `kubectl port-forward ... <local>:80` as a TCP relay to the backend, like the real one to the gateway.
  proxyScript = path.join(workDir, 'port-forward.mjs');
  await writeFile(
    proxyScript,
    `import net from 'node:net';
const local = Number(process.argv[2].split(':')[0]);
net.createServer((socket) => {
  const upstream = net.connect(${backend.port}, '127.0.0.1');
  socket.on('error', () => upstream.destroy());
  upstream.on('error', () => socket.destroy());
  socket.pipe(upstream).pipe(socket);
}).listen(local, '127.0.0.1', () => console.log('Forwarding from 127.0.0.1:' + local + ' -> 80'));
`,
  );
}, 180_000);

afterAll(async () => {
  await backend?.stop();
  await modelServer?.stop();
  await api?.stop();
  await rm(workDir, { recursive: true, force: true });
});

/** What docker, kind, kubectl and helm answer on a laptop with a healthy cluster. */
function clusterRules(): StubRule[] {
  return [
    // The deploy tool renders the overlay with kubectl's kustomize, which runs here.
    { command: 'kubectl', args: '^kustomize ', run: `exec ${realKubectl} "$@"` },
    { command: 'docker', args: '^info --format \\{\\{\\.NCPU\\}\\}', stdout: `4 ${8 * 1024 ** 3}\n` },
    { command: 'kind', args: '^version', stdout: 'kind v0.29.0 go1.24.2 linux/amd64\n' },
    { command: 'kind', args: '^get clusters', stdout: 'detection\n' },
    { command: 'kubectl', args: 'get endpoints kserve-webhook-server-service', stdout: '10.244.0.9' },
    ...verifyClusterRules(),
    {
      command: 'kubectl',
      args: 'port-forward svc/istio-ingressgateway',
      run: `exec node ${proxyScript} "\${@: -1}"`,
    },
    { command: 'kubectl', args: ' --watch$', run: 'echo "NAME  READY  STATUS"; exec sleep 600' },
  ];
}

interface Run {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  waitFor(text: string, timeoutMs: number): Promise<void>;
}

function startKindMode(args: string[], stubs: Stubs, gatewayUrl: string, env: NodeJS.ProcessEnv = {}): Run {
  const child = spawn(path.join(ROOT, 'run_all.sh'), ['--mode', 'kind', '--skip-install', ...args], {
    cwd: ROOT,
    env: {
      ...process.env,
      NO_COLOR: '1',
      PATH: stubs.path,
      KUBECONFIG: kubeconfig,
      GATEWAY_URL: gatewayUrl,
      DETECTION_KIND_STATE: path.join(workDir, 'kind-state'),
      DEPLOY_TIMEOUT: '120',
      ...env,
    },
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const waitFor = async (text: string, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (!output.includes(text)) {
      if (child.exitCode !== null) throw new Error(`run_all.sh exited before "${text}":\n${output}`);
      if (Date.now() > deadline) throw new Error(`no "${text}" within ${timeoutMs} ms:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };
  return { child, output: () => output, exited, waitFor };
}

async function expectClosed(url: string): Promise<void> {
  await expect(fetch(url)).rejects.toThrow();
}

describe('./run_all.sh --mode kind', () => {
  it('Should, with --once, deploy, run the smoke test, pnpm eval and --verify through the gateway (port-forwarded when the host port is not mapped), print URLs, status and figures, stop the port-forward and exit 0', async () => {
    const stubs = stubCommands(['docker', 'kind', 'kubectl', 'helm'], clusterRules());
    const logDir = path.join(workDir, 'logs-once');
    try {
      const run = startKindMode(
        ['--once', '--log-dir', logDir, '--dataset', path.join(ROOT, 'evaluation/dataset')],
        stubs,
        `http://127.0.0.1:${await closedPort()}`,
      );
      const code = await run.exited;
      const output = run.output();
      expect(code, output).toBe(0);
      const gateway = `http://${/port-forwarding the Istio gateway to (127\.0\.0\.1:\d+)/.exec(output)?.[1]}`;
      expect(gateway).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      await expectClosed(`${gateway}/health`);

      // The cluster part: images built with one tag and loaded, the overlay deployed with that tag.
      const calls = stubs.calls();
      const built = calls.filter((call) => call.startsWith('docker build'));
      expect(built).toHaveLength(2);
      const tag = /-t kind\.local\/detection-model-server:(\S+)/.exec(built[0]!)?.[1];
      expect(tag).toMatch(/^0\.1\.0-[0-9a-f]{12}(-dirty-[0-9a-f]{12})?$/);
      expect(calls).toContain(`kind load docker-image --name detection kind.local/detection-backend:${tag}`);
      expect(output).toMatch(/deployed \d+ objects; detector serves models-[0-9a-f]{16}/);
      expect(output).toContain(
        'ready    InferenceService detection/detector (revision detector-predictor-00001)',
      );
      expect(existsSync(path.join(logDir, 'kind.log'))).toBe(true);

      // Smoke test and evaluation through the gateway (the backend's /detect for pnpm eval).
      expect(output).toContain('smoke: OK (uploaded, listed, fetched one object; image kept');
      const summary = output.slice(output.indexOf('==> the stack is up'));
      expect(summary).toContain(`Web UI         ${gateway}/\n`);
      expect(summary).toContain(`Swagger UI     ${gateway}/docs\n`);
      expect(summary).toContain(`annotated: ${gateway}/images/`);
      const report = JSON.parse(await readFile(path.join(logDir, 'evaluation/report.json'), 'utf8'));
      expect(report.endpoint.url).toBe(gateway);
      expect(summary).toContain(`Evaluation     ${report.dataset.images} images`);
      expect(summary).toContain(`mAP@[.5:.95] ${report.coco.AP.toFixed(3)}`);

      // The status with the URLs that work, and the figures of --verify.
      expect(summary).toContain(
        '  in the mesh:   http://detector-predictor.detection.svc.cluster.local/v2/models/{model}/infer',
      );
      expect(summary).toContain(`from the host: ${gateway}/ (the backend through the Istio gateway`);
      const verify = JSON.parse(await readFile(path.join(logDir, 'verify.json'), 'utf8'));
      expect(verify).toMatchObject({ passed: 13, failed: 0, cold_start: { status: 200 } });
      expect(summary).toContain(`Cold start     ${verify.cold_start.seconds.toFixed(1)} s`);
      expect(summary).toContain(`Warm           p50 ${verify.warm_ms.p50} ms`);
      expect(summary).toContain('Verify         13/13 checks passed');
      expect(summary).toContain('==> every step passed; stopping (--once)');
      expect(summary).not.toContain('Following the predictor');
    } finally {
      stubs.cleanup();
    }
  });

  it('Should keep running by default, following the predictor’s pods, until Ctrl-C stops the watch (exit 0)', async () => {
    const stubs = stubCommands(['docker', 'kind', 'kubectl', 'helm'], clusterRules());
    try {
      const run = startKindMode(
        ['--no-smoke', '--no-eval', '--no-verify', '--log-dir', path.join(workDir, 'logs-serve')],
        stubs,
        backend.url,
        { IMAGE_TAG: '0.1.0-keeprunning' },
      );
      try {
        await run.waitFor('NAME  READY  STATUS', 240_000);
      } catch (error) {
        run.child.kill('SIGTERM');
        await run.exited;
        throw error;
      }
      expect(run.output()).not.toContain('port-forwarding');
      expect(run.output()).toContain(`Web UI         ${backend.url}/`);
      expect(run.output()).toContain('Verify         skipped (--no-verify)');
      expect(stubs.calls()).toContain(
        'docker build -f services/backend/Dockerfile --build-arg VERSION=0.1.0-keeprunning -t kind.local/detection-backend:0.1.0-keeprunning .',
      );
      expect(run.output()).toContain('the cluster keeps running');
      run.child.kill('SIGINT');
      const code = await run.exited;
      expect(code, run.output()).toBe(0);
      expect(run.output()).toContain('==> SIGINT: stopping everything');
      expect(run.output()).toContain("stopping the watch of the predictor's pods");
      expect(run.output()).not.toContain('stopping the port-forward');
    } finally {
      stubs.cleanup();
    }
  });
});
