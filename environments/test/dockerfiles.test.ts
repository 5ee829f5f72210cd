/**
 * The Dockerfiles checked without a Docker daemon (none runs here): parsed and linted with the Dockerfile
 * language service's parser and validator, their build contexts computed with Docker's own .dockerignore
 * semantics (@balena/dockerignore) over the working tree, and their contents checked against the
 * contracts (entry points, ports, health endpoints, users) and the Kubernetes manifests.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import dockerignoreModule from '@balena/dockerignore';
import { DockerfileParser, type Instruction, ModifiableInstruction } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import { beforeAll, describe, expect, test } from 'vitest';
import type { KubernetesObject } from '../src/manifests/kubernetes-object.js';
import { environmentsDir, overlayNames, renderOverlay } from '../src/manifests/overlays.js';
import { backendDockerfile, runtimeEnvironment } from './support/image-environment.js';
import { type Deployment, ofKind, one, podSpecs, type ServingRuntime } from './support/manifest-types.js';

const repoRoot = path.resolve(environmentsDir, '..');
/** The Dockerfiles' base image variable, as written in them. */
const nodeImageVariable = ['$', '{NODE_IMAGE}'].join('');
const createIgnore = dockerignoreModule as unknown as () => {
  add(patterns: string[]): unknown;
  ignores(file: string): boolean;
};

interface ImageSpec {
  service: string;
  port: number;
  healthPath: string;
  /** Workspace packages the image builds, whose files must be in the context. */
  packages: string[];
  /** Other packages, whose files must stay out of the context. */
  foreign: string[];
  /** Packages whose package.json alone is in the context (workspace graph for `pnpm deploy`). */
  manifestsOnly: string[];
  /** Files or folders of those packages that the image's build needs as well. */
  borrowed: string[];
}

const images: ImageSpec[] = [
  {
    service: 'model-server',
    port: 8080,
    healthPath: '/v2/health/live',
    packages: ['model', 'services/model-server'],
    foreign: ['services/backend', 'services/web', 'environments'],
    manifestsOnly: ['test-data'],
    borrowed: [],
  },
  {
    service: 'backend',
    port: 8000,
    healthPath: '/health',
    packages: ['services/backend', 'services/web'],
    foreign: ['environments'],
    manifestsOnly: ['services/model-server', 'model', 'test-data'],
    // The gRPC client (MODEL_SERVER_PROTOCOL=grpc) is bundled from the model server's service definition and protos.
    borrowed: [
      'services/model-server/proto',
      'services/model-server/src/protocol/grpc/service-definition.ts',
    ],
  },
];

const dockerfilePathOf = (service: string) => path.join(repoRoot, 'services', service, 'Dockerfile');
/** Each image's Dockerfile text, read once. */
const dockerfileTexts = new Map(
  images.map((image) => [image.service, fs.readFileSync(dockerfilePathOf(image.service), 'utf8')]),
);
const dockerfileText = (service: string) => dockerfileTexts.get(service)!;

/** The local overlay, rendered once (the tests only read it). */
let localObjects: KubernetesObject[];
beforeAll(async () => {
  localObjects = await renderOverlay('local');
});

/** Files that would be sent as build context: the working tree (tracked and untracked, not git-ignored) plus
 * representative local build output that exists on a developer machine. */
function candidateContextFiles(): string[] {
  const tree = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
    cwd: repoRoot,
    encoding: 'utf8',
  })
    .split('\n')
    .filter(Boolean);
  const localState = [
    '.git/HEAD',
    'node_modules/.pnpm/lock.yaml',
    'model/node_modules/onnxruntime-node/package.json',
    'model/repository/centernet-coco/1/model.onnx',
    'services/model-server/node_modules/sharp/package.json',
    'services/model-server/dist/index.js',
    'services/backend/node_modules/better-sqlite3/package.json',
    'services/backend/dist/index.js',
    'services/backend/data/detections.sqlite',
    'services/web/dist/index.html',
    'services/web/node_modules/vite/package.json',
  ];
  return [...new Set([...tree, ...localState])];
}

function stages(instructions: Instruction[]): Instruction[][] {
  const result: Instruction[][] = [];
  for (const instruction of instructions) {
    if (instruction.getKeyword() === 'FROM') result.push([]);
    result.at(-1)?.push(instruction);
  }
  return result;
}

const argumentsOf = (instruction: Instruction) =>
  instruction.getArguments().map((argument) => argument.getValue());
/** Flags (`--from=build`) followed by the arguments, as written. */
const flagsOf = (instruction: Instruction) =>
  instruction instanceof ModifiableInstruction ? instruction.getFlags() : [];
const commandLineOf = (instruction: Instruction) => [
  ...flagsOf(instruction).map((flag) => `--${flag.getName()}=${flag.getValue()}`),
  ...argumentsOf(instruction),
];

describe.each(images)('services/$service/Dockerfile', (image) => {
  const dockerfilePath = dockerfilePathOf(image.service);
  const text = dockerfileText(image.service);
  const dockerfile = DockerfileParser.parse(text);
  const instructions = dockerfile.getInstructions();
  const allStages = stages(instructions);
  const runtime = allStages.at(-1)!;
  const runtimeKeyword = (keyword: string) =>
    runtime.filter((instruction) => instruction.getKeyword() === keyword);

  test('parses and lints clean (the validator does flag a broken variant)', () => {
    expect(validate(text)).toEqual([]);
    const broken = text.replace(
      `FROM ${nodeImageVariable} AS runtime`,
      `FROM ${nodeImageVariable} AS runtime\nEXPOSE http\nHEALTHCHECK --interval=fast CMD true`,
    );
    expect(validate(broken).length).toBeGreaterThan(0);
  });

  test('the base image is node 20 on bookworm-slim, pinned by tag and digest, the same Node major as the workspace', () => {
    const args = Object.fromEntries(
      dockerfile
        .getInitialARGs()
        .map((argument) => [argument.getProperty()?.getName(), argument.getProperty()?.getValue()]),
    );
    const base = args.NODE_IMAGE;
    expect(base).toMatch(/^node:20\.\d+\.\d+-bookworm-slim@sha256:[0-9a-f]{64}$/);
    expect(base!.slice('node:'.length, base!.indexOf('.'))).toBe(process.versions.node.split('.')[0]);
    const externalBases = dockerfile
      .getFROMs()
      .map((from) => from.getImage())
      .filter((reference) => !dockerfile.getFROMs().some((from) => from.getBuildStage() === reference));
    expect(new Set(externalBases)).toEqual(new Set([nodeImageVariable]));
    expect(text).not.toMatch(/:latest\b/);
    const other = dockerfileText(image.service === 'backend' ? 'model-server' : 'backend');
    expect(other).toContain(`ARG NODE_IMAGE=${base}`);
  });

  test('the build installs from the frozen lockfile with onnxruntime-node’s install script skipped, builds the contract entry point and prunes to production dependencies', () => {
    expect(text).toMatch(/ONNXRUNTIME_NODE_INSTALL=skip/);
    expect(text).toContain('pnpm fetch --frozen-lockfile');
    expect(text).toMatch(/pnpm install --frozen-lockfile --offline/);
    expect(text).toContain(`pnpm --filter @detection/${image.service} build`);
    expect(text).toContain(`test -f services/${image.service}/dist/index.js`);
    expect(text).toMatch(
      new RegExp(
        `pnpm --filter @detection/${image.service} deploy --legacy --prod .* /prod/${image.service}`,
      ),
    );
    // The pruned tree is what the runtime stage copies, and it loads its native modules at build time.
    const copies = runtimeKeyword('COPY').map(commandLineOf);
    expect(copies).toContainEqual(['--from=build', `/prod/${image.service}/node_modules`, './node_modules']);
    expect(copies).toContainEqual(['--from=build', `/workspace/services/${image.service}/dist`, './dist']);
    expect(text).toMatch(/node -e ".*require\('sharp'\)/);
  });

  test('the runtime stage runs node dist/index.js as uid 1000 (the manifests’ runAsUser), exposes the contract port and checks health', () => {
    expect(runtimeKeyword('WORKDIR').map(argumentsOf)).toEqual([['/app']]);
    expect(runtimeKeyword('CMD').map((instruction) => instruction.getArgumentsContent())).toEqual([
      '["node", "dist/index.js"]',
    ]);
    expect(runtimeKeyword('ENTRYPOINT')).toEqual([]);
    expect(runtimeKeyword('USER').map(argumentsOf)).toEqual([['1000:1000']]);
    expect(runtimeKeyword('EXPOSE').map(argumentsOf)).toEqual([[String(image.port)]]);
    const healthcheck = runtimeKeyword('HEALTHCHECK');
    expect(healthcheck).toHaveLength(1);
    const probe = healthcheck[0]!.getArgumentsContent() ?? '';
    expect(probe).toContain(`/${image.healthPath.slice(1)}`);
    expect(probe).toContain(`process.env.PORT || ${image.port}`);
    expect(
      runtimeKeyword('ENV')
        .map((instruction) => instruction.getArgumentsContent())
        .join(' '),
    ).toContain('NODE_ENV=production');
    // The user the manifests run the containers as is the image's user.
    const users = podSpecs(localObjects).flatMap(({ spec }) =>
      spec.containers.map(
        (container) => container.securityContext?.runAsUser ?? spec.securityContext?.runAsUser,
      ),
    );
    expect(new Set(users)).toEqual(new Set([1000]));
  });

  test('the build context holds the workspace files and this image’s packages only', () => {
    const ignoreFile = `${dockerfilePath}.dockerignore`;
    const ignore = createIgnore();
    ignore.add(fs.readFileSync(ignoreFile, 'utf8').split('\n'));
    const context = candidateContextFiles().filter((file) => !ignore.ignores(file));
    for (const required of [
      'package.json',
      'pnpm-lock.yaml',
      'pnpm-workspace.yaml',
      '.npmrc',
      'tsconfig.base.json',
    ]) {
      expect(context).toContain(required);
    }
    for (const manifestOnly of image.manifestsOnly) expect(context).toContain(`${manifestOnly}/package.json`);
    for (const borrowed of image.borrowed) {
      expect(
        context.some((file) => file === borrowed || file.startsWith(`${borrowed}/`)),
        borrowed,
      ).toBe(true);
    }
    for (const workspacePackage of image.packages) {
      expect(context).toContain(`${workspacePackage}/package.json`);
      expect(context.some((file) => file.startsWith(`${workspacePackage}/src/`))).toBe(true);
    }
    for (const file of context) {
      expect(file, 'local state in the context').not.toMatch(/(^|\/)(node_modules|dist|\.git)\//);
      expect(file).not.toMatch(/^model\/repository\//);
      expect(file).not.toMatch(/\.sqlite$/);
      for (const foreign of image.foreign) expect(file.startsWith(`${foreign}/`), file).toBe(false);
      for (const manifestOnly of image.manifestsOnly) {
        if (
          file.startsWith(`${manifestOnly}/`) &&
          !image.borrowed.some((borrowed) => file.startsWith(borrowed))
        )
          expect(file, 'only the manifest').toBe(`${manifestOnly}/package.json`);
      }
    }
    // Every COPY from the context names something that is in it.
    for (const copy of instructions.filter((instruction) => instruction.getKeyword() === 'COPY')) {
      if (flagsOf(copy).some((flag) => flag.getName() === 'from')) continue;
      const args = argumentsOf(copy);
      for (const source of args.slice(0, -1)) {
        const normalized = source.replace(/\/$/, '');
        expect(
          context.some((file) => file === normalized || file.startsWith(`${normalized}/`)),
          `COPY ${source}`,
        ).toBe(true);
      }
    }
  });
});

test('the model server image carries the model repository where KServe mounts a storageUri, and where the runtime reads it', () => {
  const text = dockerfileText('model-server');
  expect(text).toContain('pnpm model:build');
  expect(text).toContain('COPY --from=build /workspace/model/repository /mnt/models');
  expect(text).toMatch(/MODEL_REPOSITORY=\/mnt\/models/);
  const runtime = one<ServingRuntime>(localObjects, 'ClusterServingRuntime');
  expect(runtime.spec.containers[0]!.env).toContainEqual({ name: 'MODEL_REPOSITORY', value: '/mnt/models' });
  // Only this platform's onnxruntime binaries are kept.
  expect(text).toMatch(/! -name linux -exec rm -rf/);
});

test('the backend image serves the built web UI and keeps its data in /data, owned by its user', () => {
  const text = dockerfileText('backend');
  expect(text).toContain('pnpm --filter @detection/web build');
  expect(text).toContain('COPY --from=build /workspace/services/web/dist ./web');
  expect(text).toMatch(/WEB_UI_DIR=\/app\/web/);
  expect(text).toMatch(/DATABASE_PATH=\/data\/db\/detections\.sqlite/);
  expect(text).toMatch(/STORAGE_DIR=\/data\/images/);
  expect(text).toContain('chown 1000:1000 /data');
  // better-sqlite3 is compiled in the build stage (toolchain there only), never downloaded from outside npm.
  expect(text).toMatch(/npm_config_build_from_source=better-sqlite3/);
  expect(text).toMatch(/apt-get install -y --no-install-recommends python3 make g\+\+/);
  expect(text).toMatch(/new \(require\('better-sqlite3'\)\)/);
});

test('the root .dockerignore keeps local state out for builders that ignore the per-Dockerfile files', () => {
  const ignore = createIgnore();
  ignore.add(fs.readFileSync(path.join(repoRoot, '.dockerignore'), 'utf8').split('\n'));
  for (const file of [
    '.git/HEAD',
    'services/backend/node_modules/x/index.js',
    'services/web/dist/index.html',
    'model/repository/blazeface/config.json',
    'services/backend/data/detections.sqlite',
  ]) {
    expect(ignore.ignores(file), file).toBe(true);
  }
  for (const file of [
    'package.json',
    'pnpm-lock.yaml',
    'services/backend/src/index.ts',
    'model/src/build-repository.ts',
  ]) {
    expect(ignore.ignores(file), file).toBe(false);
  }
});

test('the backend gives sharp’s fontconfig a writable cache dir under its read-only root filesystem', async () => {
  const text = dockerfileText('backend');
  const runtimeEnv = stages(DockerfileParser.parse(text).getInstructions())
    .at(-1)!
    .filter((instruction) => instruction.getKeyword() === 'ENV')
    .map((instruction) => instruction.getArgumentsContent())
    .join(' ');
  const cacheHome = /XDG_CACHE_HOME=(\S+)/.exec(runtimeEnv)?.[1];
  expect(cacheHome, 'XDG_CACHE_HOME in the runtime stage').toBeDefined();
  // `docker run --read-only --tmpfs /tmp` (the Dockerfile's own example) and every overlay: the root is
  // read-only and the cache dir lies on a writable emptyDir.
  expect(cacheHome!.startsWith('/tmp/')).toBe(true);
  for (const overlay of overlayNames()) {
    const objects = overlay === 'local' ? localObjects : await renderOverlay(overlay);
    const backend = one<Deployment>(objects, 'Deployment', 'backend').spec.template.spec;
    const container = backend.containers[0]!;
    expect(container.securityContext?.readOnlyRootFilesystem, overlay).toBe(true);
    const mount = container.volumeMounts?.find(
      (candidate) => cacheHome === candidate.mountPath || cacheHome!.startsWith(`${candidate.mountPath}/`),
    );
    expect(mount, `${overlay}: a volume under ${cacheHome}`).toBeDefined();
    expect(backend.volumes?.find((volume) => volume.name === mount!.name)?.emptyDir, overlay).toBeDefined();
  }

  // Why: sharp's own fontconfig keeps its font cache under $XDG_CACHE_HOME/fontconfig; with no writable cache
  // dir (the image's /var/cache/fontconfig is not its format, HOME is on the read-only root) it says so on
  // every start. Shown with an unwritable system cache dir and HOME, as in the container.
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'fontconfig-'));
  try {
    fs.mkdirSync(path.join(scratch, 'fonts'));
    fs.writeFileSync(
      path.join(scratch, 'fonts.conf'),
      `<?xml version="1.0"?>\n<fontconfig><dir>${scratch}/fonts</dir><cachedir>/proc/no-such-cache</cachedir><cachedir prefix="xdg">fontconfig</cachedir></fontconfig>\n`,
    );
    // Draws a label the way the annotated-image route does (an SVG text overlay); returns what it printed.
    const drawLabel = (env: NodeJS.ProcessEnv) => {
      const result = spawnSync(
        process.execPath,
        [
          '-e',
          `require('sharp')({ create: { width: 200, height: 50, channels: 3, background: '#fff' } })
            .composite([{ input: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="200" height="50"><text x="10" y="30" font-size="20">person 0.9</text></svg>') }])
            .png().toBuffer().then(() => console.log('drawn'))`,
        ],
        { cwd: path.join(repoRoot, 'services/backend'), env, encoding: 'utf8' },
      );
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout).toContain('drawn');
      return result.stderr;
    };
    const container = {
      PATH: process.env.PATH,
      HOME: '/proc/no-home',
      FONTCONFIG_FILE: path.join(scratch, 'fonts.conf'),
    };
    expect(drawLabel(container)).toContain('Fontconfig error: No writable cache directories');
    expect(drawLabel({ ...container, XDG_CACHE_HOME: path.join(scratch, 'cache') })).not.toContain(
      'Fontconfig error',
    );
    expect(
      fs.readdirSync(path.join(scratch, 'cache/fontconfig')).some((file) => /-le64\.cache-\d+$/.test(file)),
    ).toBe(true);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
});

describe('the backend image runs video jobs', () => {
  const text = backendDockerfile();
  const allStages = stages(DockerfileParser.parse(text).getInstructions());
  const runtimeRuns = allStages
    .at(-1)!
    .filter((instruction) => instruction.getKeyword() === 'RUN')
    .map((instruction) => instruction.getArgumentsContent() ?? '');

  test('with Debian’s ffmpeg and ffprobe, installed in the runtime stage and named by FFMPEG_PATH and FFPROBE_PATH', () => {
    const install = runtimeRuns.find((run) => run.includes('apt-get install'));
    expect(install?.split(/\s+/)).toContain('ffmpeg');
    // Debian's package puts both programs in /usr/bin; the build fails if either does not run.
    const environment = runtimeEnvironment(text);
    expect(environment.FFMPEG_PATH).toBe('/usr/bin/ffmpeg');
    expect(environment.FFPROBE_PATH).toBe('/usr/bin/ffprobe');
    expect(install).toContain('ffmpeg -hide_banner -encoders | grep -q libx264');
    expect(install).toContain('ffprobe -version');
  });

  test('without the npm installers’ static builds: the build stage removes exactly the packages holding them', async () => {
    const prune = allStages
      .flat()
      .map((instruction) => instruction.getArgumentsContent() ?? '')
      .find((content) => content.includes('pnpm --filter @detection/backend deploy'));
    const patterns = [...(prune ?? '').matchAll(/rm -rf ((?:node_modules\/\.pnpm\/\S+\s*)+)/g)].flatMap(
      (match) => match[1]!.trim().split(/\s+/),
    );
    expect(patterns).toEqual([
      'node_modules/.pnpm/@ffmpeg-installer+linux-*',
      'node_modules/.pnpm/@ffprobe-installer+linux-*',
    ]);
    // The same globs listed first, so that a changed layout fails the build instead of leaving 140 MB behind.
    expect(prune).toContain(`ls -d ${patterns.join(' ')}`);
    // pnpm names its package folders the same way in the workspace and in `pnpm deploy`'s output: the globs
    // match the folders of this machine's binaries and nothing else.
    const store = path.join(repoRoot, 'node_modules/.pnpm');
    const matched = fs
      .readdirSync(store)
      .filter((entry) => patterns.some((pattern) => entry.startsWith(path.basename(pattern).slice(0, -1))));
    expect(matched.length).toBe(2);
    const { ffmpegBinaries } = (await import(
      pathToFileURL(path.join(repoRoot, 'services/backend/src/video/ffmpeg-binaries.ts')).href
    )) as { ffmpegBinaries: () => { ffmpeg: string; ffprobe: string } };
    const binaries = ffmpegBinaries();
    for (const binary of [binaries.ffmpeg, binaries.ffprobe]) {
      const real = fs.realpathSync(binary);
      expect(
        matched.some((folder) => real.startsWith(`${path.join(store, folder)}/`)),
        real,
      ).toBe(true);
    }
  });

  test('every variable the image sets is parsed by the backend’s env.ts with that value, or is for Node, glibc or fontconfig', async () => {
    const environment = runtimeEnvironment(text);
    const forOthers = ['NODE_ENV', 'MALLOC_ARENA_MAX', 'MALLOC_MMAP_THRESHOLD_', 'XDG_CACHE_HOME'];
    const { parseEnv } = (await import(
      pathToFileURL(path.join(repoRoot, 'services/backend/src/env.ts')).href
    )) as {
      parseEnv: (env: Record<string, string>) => Record<string, unknown>;
    };
    const parsed = parseEnv(environment);
    for (const [name, value] of Object.entries(environment)) {
      if (forOthers.includes(name)) continue;
      expect(Object.keys(parsed), `${name} is not a backend variable`).toContain(name);
      expect(String(parsed[name]), name).toBe(value);
    }
  });

  test('the image contains the file each backend container starts: dist/index.js (CMD) and dist/worker.js (video-worker)', async () => {
    // Under WORKDIR /app, dist/ is the build's services/backend/dist, whose entry points the build stage checks.
    expect(text).toContain('COPY --from=build /workspace/services/backend/dist ./dist');
    const checked = [...text.matchAll(/test -f services\/backend\/(dist\/\S+)/g)].map((match) => match[1]);
    const started = new Set(['dist/index.js']);
    for (const overlay of overlayNames()) {
      const objects = overlay === 'local' ? localObjects : await renderOverlay(overlay);
      const backendImage = one<Deployment>(objects, 'Deployment', 'backend').spec.template.spec.containers[0]!
        .image;
      for (const deployment of ofKind<Deployment>(objects, 'Deployment')) {
        for (const container of deployment.spec.template.spec.containers) {
          if (container.image !== backendImage || !container.command) continue;
          expect(container.command[0], `${overlay} ${deployment.metadata.name}`).toBe('node');
          started.add(container.command[1]!);
        }
      }
    }
    expect([...started].sort()).toEqual(['dist/index.js', 'dist/worker.js']);
    for (const file of started) expect(checked, file).toContain(file);
  });
});
