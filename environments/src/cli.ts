import path from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { connectCluster } from './cluster/cluster.js';
import { ClusterError } from './cluster/errors.js';
import { deploy } from './commands/deploy.js';
import { remove } from './commands/remove.js';
import { formatStatus, overlayStatus } from './commands/status.js';
import { imageTag } from './images/image-tag.js';
import { applyImageOverrides, parseImageOverride } from './manifests/image-overrides.js';
import { environmentsDir, overlayNames, renderOverlay } from './manifests/overlays.js';
import { stampRuntimeImages } from './manifests/revision-inputs.js';

const usage = `Usage: pnpm --filter @detection/environments k8s <command> --overlay <name|dir> [options]

Commands:
  deploy     render the overlay and server-side apply it (Jobs are re-run; an InferenceService fed by a
             model loader Job is applied once the loader has published its model version), optionally
             wait until ready and then delete the model versions nothing uses any more
  status     InferenceService conditions, the URLs that reach it, current predictor replicas (0 = scaled
             to zero); workloads
  delete     delete the overlay's objects (keeps PVCs and the namespace unless --purge-data)
  render     print the rendered overlay (with --image overrides applied)
  image-tag  print the tag for images built from this working tree: <version>-<commit>, plus
             -dirty-<hash> when an input of a Docker build (from the Dockerfiles' .dockerignore) changed

Options:
  --overlay <name|dir>      ${overlayNames().join(', ')}, or a kustomization directory (required)
  --context <name>          kubeconfig context (default: the current one)
  --kubeconfig <file>       kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)
  --image <name=reference>  replace an image (repeatable), e.g. kind.local/detection-backend=kind.local/detection-backend:0.1.0-abc123
  --wait                    deploy: wait for Jobs, Deployments and InferenceServices to be ready
  --timeout <seconds>       deploy --wait: give up after this long (default 900)
  --purge-data              delete: also delete PersistentVolumeClaims and the namespace
  --gateway-url <url>       status: the Istio gateway as this machine reaches it (Kind: http://127.0.0.1:8088)
  --json                    status, image-tag: print JSON
`;

export async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${usage}`);
    return 2;
  }
  const { command, values } = parsed;
  if (values.help || !command) {
    process.stdout.write(usage);
    return values.help ? 0 : 2;
  }
  if (!['deploy', 'status', 'delete', 'render', 'image-tag'].includes(command)) {
    process.stderr.write(`unknown command "${command}"\n\n${usage}`);
    return 2;
  }
  if (command === 'image-tag') {
    try {
      const result = imageTag(path.resolve(environmentsDir, '..'));
      if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
      else process.stdout.write(`${result.tag}\n`);
      if (result.dirty.length > 0 && !values.json) {
        process.stderr.write(
          `note: image inputs differ from the commit (${result.dirty.join(', ')}): the tag ends in -dirty-<hash of them>\n`,
        );
      }
      return 0;
    } catch (error) {
      process.stderr.write(`error: ${(error as Error).message}\n`);
      return 1;
    }
  }
  if (!values.overlay) {
    process.stderr.write(`--overlay is required\n\n${usage}`);
    return 2;
  }
  const log = (line: string) => process.stdout.write(`${line}\n`);
  try {
    const images = (values.image ?? []).map(parseImageOverride);
    const objects = await renderOverlay(values.overlay);
    const replaced = applyImageOverrides(objects, images);
    for (const [name, count] of replaced) {
      if (count === 0)
        throw new ClusterError(
          `--image ${name}: no container in overlay "${values.overlay}" uses that image`,
        );
    }
    stampRuntimeImages(objects);
    if (command === 'render') {
      process.stdout.write(objects.map((object) => stringify(object)).join('---\n'));
      return 0;
    }
    const cluster = connectCluster({ kubeconfig: values.kubeconfig, context: values.context });
    if (command === 'deploy') {
      const timeoutSeconds = Number(values.timeout ?? '900');
      if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0)
        throw new ClusterError('--timeout must be a positive number of seconds');
      log(`deploying overlay ${values.overlay} to context ${cluster.contextName} (${cluster.server})`);
      const result = await deploy(cluster, objects, {
        wait: values.wait ?? false,
        timeoutMs: timeoutSeconds * 1000,
        log,
      });
      log(
        `deployed ${result.applied.length} objects${result.recreatedJobs.length > 0 ? `, re-ran ${result.recreatedJobs.join(', ')}` : ''}${[...result.modelVersions].map(([isvc, version]) => `; ${isvc} serves ${version}`).join('')}`,
      );
    } else if (command === 'status') {
      const report = await overlayStatus(cluster, objects, { gatewayUrl: values['gateway-url'] });
      if (values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else for (const line of formatStatus(report)) log(line);
    } else {
      const result = await remove(cluster, objects, { purgeData: values['purge-data'] ?? false, log });
      log(
        `deleted ${result.deleted.length}, already absent ${result.absent.length}, kept ${result.kept.length}`,
      );
    }
    return 0;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`error: ${message}\n`);
    return 1;
  }
}

function parse(argv: string[]) {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      overlay: { type: 'string' },
      context: { type: 'string' },
      kubeconfig: { type: 'string' },
      image: { type: 'string', multiple: true },
      wait: { type: 'boolean' },
      timeout: { type: 'string' },
      'purge-data': { type: 'boolean' },
      'gateway-url': { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (positionals.length > 1) throw new Error(`unexpected arguments: ${positionals.slice(1).join(' ')}`);
  return { command: positionals[0], values };
}
