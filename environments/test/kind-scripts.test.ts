/**
 * run_all_k8s.sh and its --verify checks (environments/kind/verify.sh), without Docker or a cluster: the
 * functions are sourced and run with stand-ins for docker, kind, kubectl and helm (support/stub-commands.ts)
 * that record the commands issued and answer what the real ones print; the in-pod probe runs for real
 * against local HTTP servers; --verify runs end to end against a local server playing the Istio gateway.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Pod } from 'kubernetes-models/v1';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { environmentsDir } from '../src/manifests/overlays.js';
import { type StubRule, type Stubs, stubCommands, verifyClusterRules } from './support/stub-commands.js';

const run = promisify(execFile);
const repoRoot = path.resolve(environmentsDir, '..');
const kindTools = ['docker', 'kind', 'kubectl', 'helm'];

let stateDir: string;
let stubs: Stubs | undefined;

beforeEach(() => {
  stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'detection-kind-state-'));
});
afterEach(() => {
  stubs?.cleanup();
  stubs = undefined;
  fs.rmSync(stateDir, { recursive: true, force: true });
});

/** Sources run_all_k8s.sh and runs `script`, with the stand-ins answering by `rules`. */
async function sourced(script: string, rules: StubRule[] = [], env: NodeJS.ProcessEnv = {}) {
  stubs = stubCommands(kindTools, rules);
  try {
    const { stdout, stderr } = await run('bash', ['-c', `source ./run_all_k8s.sh\n${script}`], {
      cwd: repoRoot,
      env: { ...process.env, PATH: stubs.path, DETECTION_KIND_STATE: stateDir, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code: number; stdout: string; stderr: string };
    return { code: failure.code, stdout: failure.stdout, stderr: failure.stderr };
  }
}

const gib = (n: number) => String(Math.round(n * 1024 ** 3));

describe('resources Docker offers (docker info)', () => {
  test.each([
    ['4', gib(7.7), ''],
    ['3', gib(5.8), ''],
    ['2', gib(7.7), 'Docker offers 2 CPUs and 7.7 GiB of memory; Kind mode needs at least 3 CPUs and 6 GB'],
    ['8', gib(3.8), 'Docker offers 8 CPUs and 3.8 GiB of memory; Kind mode needs at least 3 CPUs and 6 GB'],
    ['?', '?', "could not read Docker's CPUs and memory from docker info (got '?' and '?')"],
  ])('%s CPUs, %s bytes', async (cpus, bytes, expected) => {
    const { stdout } = await sourced(`docker_resources_problem ${cpus} ${bytes}`);
    if (expected) expect(stdout).toContain(expected);
    else expect(stdout).toBe('');
  });

  test('--deploy stops with the reason before creating anything when Docker has too little, as docker info reports it', async () => {
    const { code, stderr } = await sourced('check_prerequisites', [
      {
        command: 'docker',
        args: '^info --format \\{\\{\\.NCPU\\}\\} \\{\\{\\.MemTotal\\}\\}$',
        stdout: `2 ${gib(3.8)}\n`,
      },
      { command: 'kind', args: '^version', stdout: 'kind v0.29.0 go1.24.2 linux/amd64\n' },
    ]);
    expect(code).toBe(1);
    expect(stderr).toContain(
      'error: Docker offers 2 CPUs and 3.8 GiB of memory; Kind mode needs at least 3 CPUs and 6 GB',
    );
    expect(stderr).toContain('Settings > Resources');
    expect(stubs!.calls().filter((call) => call.startsWith('kind create'))).toEqual([]);
  });
});

describe('loading the images into the Kind node', () => {
  const image = 'kind.local/detection-model-server:0.1.0-abc';
  const digestNotFound =
    'ERROR: failed to load image: command "docker exec --privileged -i detection-control-plane ctr --namespace=k8s.io images import --all-platforms --digests --snapshotter=overlayfs -" failed with error: exit status 1\\nCommand Output: ctr: content digest sha256:82014a3cbf22d2e03382cd9b123f4151d956986e727340a466406a206408b7a2: not found\\n';

  test('uses kind load docker-image when it works', async () => {
    const { code } = await sourced(`load_image ${image}`, [
      {
        command: 'kind',
        args: '^load docker-image',
        stdout: 'Image: "..." not yet present on node, loading...\n',
      },
    ]);
    expect(code).toBe(0);
    expect(stubs!.calls()).toEqual([`kind load docker-image --name detection ${image}`]);
  });

  test('on the containerd image store (kind#3795) falls back to a single-platform docker image save + kind load image-archive', async () => {
    const { code, stdout } = await sourced(`load_image ${image}`, [
      { command: 'kind', args: '^load docker-image', stdout: digestNotFound, exit: 1 },
      { command: 'docker', args: '^image inspect', stdout: 'linux/arm64\n' },
    ]);
    expect(code).toBe(0);
    expect(stdout).toContain('kind load docker-image failed on the containerd image store (kind#3795)');
    const archive = path.join(stateDir, 'images', 'kind.local_detection-model-server_0.1.0-abc.tar');
    expect(stubs!.calls()).toEqual([
      `kind load docker-image --name detection ${image}`,
      `docker image inspect --format {{.Os}}/{{.Architecture}}{{if .Variant}}/{{.Variant}}{{end}} ${image}`,
      `docker image save --platform linux/arm64 -o ${archive} ${image}`,
      `kind load image-archive --name detection ${archive}`,
    ]);
  });

  test('an older Docker without save --platform saves the image as it is', async () => {
    const { code } = await sourced(`load_image ${image}`, [
      { command: 'kind', args: '^load docker-image', stdout: digestNotFound, exit: 1 },
      { command: 'docker', args: '^image inspect', stdout: 'linux/amd64\n' },
      { command: 'docker', args: '^image save --platform', stdout: 'unknown flag: --platform\n', exit: 125 },
    ]);
    expect(code).toBe(0);
    expect(stubs!.calls()).toContain(
      `docker image save -o ${path.join(stateDir, 'images', 'kind.local_detection-model-server_0.1.0-abc.tar')} ${image}`,
    );
  });

  test('any other failure stops with kind’s output (no fallback that would hide it)', async () => {
    const { code, stderr } = await sourced(`load_image ${image}`, [
      {
        command: 'kind',
        args: '^load docker-image',
        stdout: 'ERROR: no nodes found for cluster "detection"\n',
        exit: 1,
      },
      {
        command: 'docker',
        args: '^info --format \\{\\{ \\.DriverStatus \\}\\}',
        stdout: '[[Backing Filesystem extfs]]\n',
      },
    ]);
    expect(code).toBe(1);
    expect(stderr).toContain('ERROR: no nodes found for cluster "detection"');
    expect(stderr).toContain(`error: kind load docker-image ${image} failed`);
    expect(stubs!.calls().some((call) => call.includes('image save'))).toBe(false);
  });
});

describe('--clean', () => {
  test('deletes the cluster, the images, the BuildKit cache of these builds only, and its helm state', async () => {
    fs.mkdirSync(path.join(stateDir, 'helm/config'), { recursive: true });
    fs.writeFileSync(path.join(stateDir, 'helm/config/repositories.yaml'), 'repositories: []\n');
    const { code } = await sourced('clean', [
      { command: 'kind', args: '^get clusters', stdout: 'other\ndetection\n' },
      {
        command: 'docker',
        args: '^image ls',
        stdout:
          'kind.local/detection-backend:0.1.0-abc\nkind.local/detection-model-server:0.1.0-abc\npostgres:16\n',
      },
    ]);
    expect(code).toBe(0);
    const calls = stubs!.calls();
    expect(calls).toContain('kind delete cluster --name detection');
    expect(calls).toContain(
      'docker image rm kind.local/detection-backend:0.1.0-abc kind.local/detection-model-server:0.1.0-abc',
    );
    expect(calls).toContain(
      'docker buildx prune --force --filter type=exec.cachemount --filter description~=cached mount /detection-pnpm-store ',
    );
    expect(calls).toContain('docker buildx prune --force --filter description~=@detection/');
    expect(fs.existsSync(stateDir)).toBe(false);
  });

  test('the cache filter matches the cache mount of both Dockerfiles as BuildKit describes it, and not a pnpm cache of other projects', async () => {
    const { stdout } = await sourced('printf "%s" "$BUILD_CACHE_MOUNT"');
    const filter = new RegExp(`cached mount ${stdout} `);
    for (const service of ['backend', 'model-server']) {
      const dockerfile = fs.readFileSync(path.join(repoRoot, 'services', service, 'Dockerfile'), 'utf8');
      const mounts = [...dockerfile.matchAll(/--mount=type=cache,id=([^,\s]+),target=(\S+)/g)];
      expect(mounts.length).toBeGreaterThan(0);
      for (const [, , target] of mounts) {
        // BuildKit: fmt.Sprintf("cached mount %s from exec %s", m.Dest, strings.Join(args, " ")).
        expect(
          filter.test(`cached mount ${target} from exec /bin/sh -c pnpm fetch`),
          `${service} ${target}`,
        ).toBe(true);
      }
    }
    expect(filter.test('cached mount /pnpm/store from exec /bin/sh -c pnpm install')).toBe(false);
  });

  test('helm runs with its own configuration, repositories and cache in the state directory', async () => {
    await sourced('h repo add istio https://istio-release.storage.googleapis.com/charts --force-update');
    expect(stubs!.helmEnvironments()).toEqual([
      `${stateDir}/helm/config ${stateDir}/helm/cache ${stateDir}/helm/data`,
    ]);
    expect(stubs!.calls()).toEqual([
      'helm --kube-context kind-detection repo add istio https://istio-release.storage.googleapis.com/charts --force-update',
    ]);
  });
});

describe('--verify: parsing and decisions', () => {
  test.each([
    ['HTTP 200 {"live":true}', 'ok'],
    ['HTTP 204', 'ok'],
    ['HTTP 403 RBAC: access denied', 'denied'],
    ['HTTP 403 forbidden by the backend', 'http-403'],
    [
      'HTTP 503 upstream connect error or disconnect/reset before headers. reset reason: connection termination',
      'http-503',
    ],
    ['ERROR ECONNRESET read ECONNRESET', 'unreachable'],
    ['ERROR UND_ERR_SOCKET other side closed', 'unreachable'],
    ['Error from server (NotFound): pods "verify-sidecar" not found', 'unparsable'],
  ])('classify %s', async (line, expected) => {
    expect((await sourced(`verify_classify '${line}'`)).stdout.trim()).toBe(expected);
  });

  test('blocked means no answer or an RBAC denial; denied means the AuthorizationPolicy; ok means 2xx', async () => {
    const { stdout } = await sourced(
      `for pair in blocked:denied blocked:unreachable blocked:ok blocked:http-503 denied:denied denied:unreachable ok:ok ok:denied; do
         if verify_expect "\${pair%%:*}" "\${pair#*:}"; then echo "$pair yes"; else echo "$pair no"; fi
       done`,
    );
    expect(stdout.trim().split('\n')).toEqual([
      'blocked:denied yes',
      'blocked:unreachable yes',
      'blocked:ok no',
      'blocked:http-503 no',
      'denied:denied yes',
      'denied:unreachable no',
      'ok:ok yes',
      'ok:denied no',
    ]);
  });

  test('timings from curl, percentiles, pod counts', async () => {
    const { stdout } = await sourced(
      `verify_parse_timing "200 8.412345"
       verify_parse_timing "000 0"
       verify_parse_timing "200 abc" || echo rejected
       verify_parse_timing "" || echo rejected
       verify_percentiles 0.062 0.045 0.051 0.300 0.049
       verify_percentiles 0.010 0.020
       verify_count_lines "$(printf 'pod/detector-predictor-00002-deployment-a\\npod/detector-predictor-00002-deployment-b\\n')"
       verify_count_lines ""`,
    );
    expect(stdout.trim().split('\n')).toEqual([
      '200 8.412345',
      '000 0',
      'rejected',
      'rejected',
      '51 300',
      '15 20',
      '2',
      '0',
    ]);
  });

  test.each([
    ['200', 'text/html; charset=UTF-8', '<!doctype html>', 'html', true],
    ['404', 'application/json', '{"error":"not found"}', 'html', false],
    ['200', 'application/json', '{"images":[]}', 'json', true],
    ['401', 'application/json', '{"error":"missing bearer token"}', 'json', true],
    ['200', 'text/html', '<html>', 'json', false],
    ['404', 'application/json', '{"error":"no route GET /v2/models/centernet-coco"}', 'not-predictor', true],
    [
      '200',
      'application/json',
      '{"name":"centernet-coco","platform":"onnxruntime_onnx","inputs":[]}',
      'not-predictor',
      false,
    ],
  ])('gateway route %s %s → %s', async (status, type, body, expectation, passes) => {
    const { stdout } = await sourced(
      `if verify_gateway_route '${status}' '${type}' '${body}' ${expectation}; then echo pass; else echo fail; fi`,
    );
    expect(stdout.trim()).toBe(passes ? 'pass' : 'fail');
  });

  test('the probe pods are valid, non-root, small, and differ only in the sidecar', async () => {
    const { stdout } = await sourced(
      `verify_pod_manifest verify-no-sidecar detection kind.local/detection-backend:0.1.0-abc false
       echo ---
       verify_pod_manifest verify-sidecar detection-verify kind.local/detection-backend:0.1.0-abc true`,
    );
    const [withoutSidecar, withSidecar] = stdout.split('---\n').map((text) => parse(text));
    for (const manifest of [withoutSidecar, withSidecar]) {
      expect(() => new Pod(manifest).validate()).not.toThrow();
      expect(manifest.spec.securityContext.runAsNonRoot).toBe(true);
      expect(manifest.spec.containers[0].resources.requests).toEqual({ cpu: '10m', memory: '32Mi' });
      expect(manifest.spec.containers[0].image).toBe('kind.local/detection-backend:0.1.0-abc');
    }
    expect(withoutSidecar.metadata.annotations['sidecar.istio.io/inject']).toBe('false');
    expect(withSidecar.metadata).toMatchObject({
      namespace: 'detection-verify',
      annotations: { 'sidecar.istio.io/inject': 'true' },
    });
  });
});

/** A local HTTP server for one test. */
async function serve(handler: http.RequestListener): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('--verify: the in-pod probe (environments/kind/http-probe.mjs, run with node - <url> as in the pod)', () => {
  const probe = async (url: string) =>
    (
      await new Promise<string>((resolve) => {
        const child = execFile(
          'node',
          ['-', url],
          { env: { ...process.env, PROBE_TIMEOUT_MS: '3000' } },
          (_error, stdout) => resolve(stdout),
        );
        fs.createReadStream(path.join(environmentsDir, 'kind/http-probe.mjs')).pipe(child.stdin!);
      })
    ).trim();

  test('prints one line per outcome: an answer, an RBAC denial, a reset connection, nothing listening', async () => {
    const server = await serve((request, response) => {
      if (request.url === '/denied') {
        response.writeHead(403, { 'content-type': 'text/plain' });
        response.end('RBAC: access denied');
      } else if (request.url === '/reset') {
        request.socket.destroy();
      } else {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end('{\n  "live": true\n}');
      }
    });
    try {
      expect(await probe(`${server.url}/v2/health/live`)).toBe('HTTP 200 { "live": true }');
      expect(await probe(`${server.url}/denied`)).toBe('HTTP 403 RBAC: access denied');
      expect(await probe(`${server.url}/reset`)).toMatch(/^ERROR (UND_ERR_SOCKET|ECONNRESET) /);
    } finally {
      await server.close();
    }
    expect(await probe(`${server.url}/`)).toMatch(/^ERROR ECONNREFUSED /);
  });
});

describe('--verify end to end, against a local server playing the gateway and the backend', () => {
  let gateway: { url: string; close(): Promise<void> };
  const detections: string[] = [];
  beforeEach(async () => {
    gateway = await serve((request, response) => {
      const json = (status: number, body: unknown) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(body));
      };
      if (request.method === 'POST' && request.url === '/detect') {
        request.resume();
        request.on('end', () => {
          detections.push(request.headers['content-type'] ?? '');
          json(200, { detections: [] });
        });
      } else if (request.url === '/' || request.url === '/docs') {
        response.writeHead(200, { 'content-type': 'text/html; charset=UTF-8' });
        response.end('<!doctype html><title>detection</title>');
      } else if (request.url === '/images') json(200, { images: [] });
      else json(404, { error: `no route ${request.method} ${request.url}` });
    });
  });
  afterEach(async () => {
    await gateway.close();
  });

  test('reports every check and the timings, writes the JSON the summary reads, and cleans up its pods', async () => {
    const json = path.join(stateDir, 'verify.json');
    const { code, stdout, stderr } = await sourced(`verify_main --json ${json}`, verifyClusterRules(), {
      GATEWAY_URL: gateway.url,
    });
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/cold start: HTTP 200 in \d+\.\d+ s \(0 predictor pods → response\)/);
    expect(stdout).toMatch(/warm: p50 \d+ ms, max \d+ ms over 5 requests/);
    for (const line of [
      'PASS no sidecar → predictor pod, queue-proxy port: unreachable (expected blocked)',
      'PASS no sidecar → predictor service: denied (expected blocked)',
      'PASS sidecar in detection-verify → predictor: denied (expected denied)',
      'PASS backend → predictor (the URL k8s status prints): ok (expected ok)',
      'PASS gateway / → backend web UI: ok (expected ok)',
      'PASS gateway, predictor host → not the predictor: ok (expected ok)',
    ]) {
      expect(stdout).toContain(line);
    }
    expect(stdout).toContain('==> Every check passed; cold start');
    // Six uploads of the sample photo: one cold, five warm.
    expect(detections).toHaveLength(6);
    expect(detections.every((type) => type.startsWith('multipart/form-data'))).toBe(true);
    const report = JSON.parse(fs.readFileSync(json, 'utf8'));
    expect(report).toMatchObject({
      passed: 13,
      failed: 0,
      cold_start: { status: 200 },
      warm_ms: { count: 5 },
    });
    expect(report.cold_start.seconds).toBeGreaterThan(0);
    const calls = stubs!.calls();
    expect(calls).toContain(
      'kubectl --context kind-detection label namespace detection-verify istio-injection=enabled --overwrite',
    );
    expect(calls).toContain(
      'kubectl --context kind-detection delete namespace detection-verify --ignore-not-found --wait=false',
    );
    expect(calls).toContain(
      'kubectl --context kind-detection -n detection delete pod -l app.kubernetes.io/name=detection-verify --ignore-not-found --wait=false',
    );
  });

  test('fails, naming the check, when the printed in-mesh URL does not answer the backend', async () => {
    const json = path.join(stateDir, 'verify.json');
    const { code, stdout, stderr } = await sourced(
      `verify_main --json ${json}`,
      verifyClusterRules('HTTP 403 RBAC: access denied\n'),
      {
        GATEWAY_URL: gateway.url,
      },
    );
    expect(code).toBe(1);
    expect(stdout).toContain('FAIL backend → predictor (the URL k8s status prints): denied (expected ok)');
    expect(stderr).toContain('error: 1 check(s) failed (see above)');
    expect(JSON.parse(fs.readFileSync(json, 'utf8'))).toMatchObject({ passed: 12, failed: 1 });
  });
});
