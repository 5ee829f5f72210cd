import fs from 'node:fs';
import type { Env } from '../env.js';
import type { DeploymentTarget } from './deployment-target.js';
import { LocalDeploymentTarget } from './local-target.js';

const serviceAccountNamespace = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

/**
 * The target of DEPLOYMENT_TARGET: the model server at MODEL_SERVER_URL, or the cluster the backend runs in
 * (in-cluster credentials; outside a cluster, the default kubeconfig) in DEPLOY_NAMESPACE or its own namespace.
 * The Kubernetes client is loaded only for the latter, so local start-up does not pay for it.
 */
export async function createDeploymentTarget(
  env: Pick<
    Env,
    | 'DEPLOYMENT_TARGET'
    | 'MODEL_SERVER_URL'
    | 'MODEL_REPOSITORY_TOKEN'
    | 'DEPLOY_READY_DEADLINE_MS'
    | 'DEPLOY_NAMESPACE'
    | 'DEPLOY_RUNTIME'
    | 'DEPLOY_STORAGE_URI'
    | 'DEPLOY_MODELS'
    | 'DEPLOY_TEMPLATE'
  >,
): Promise<DeploymentTarget> {
  if (env.DEPLOYMENT_TARGET === 'local') {
    return new LocalDeploymentTarget({
      modelServerUrl: env.MODEL_SERVER_URL,
      repositoryToken: env.MODEL_REPOSITORY_TOKEN,
      requestTimeoutMs: env.DEPLOY_READY_DEADLINE_MS,
    });
  }
  const [{ KubeConfig }, { KubernetesDeploymentTarget }] = await Promise.all([
    import('@kubernetes/client-node'),
    import('./kubernetes-target.js'),
  ]);
  const kubeConfig = new KubeConfig();
  if (process.env.KUBERNETES_SERVICE_HOST) kubeConfig.loadFromCluster();
  else kubeConfig.loadFromDefault();
  const namespace =
    env.DEPLOY_NAMESPACE ??
    (fs.existsSync(serviceAccountNamespace)
      ? fs.readFileSync(serviceAccountNamespace, 'utf8').trim()
      : undefined);
  if (!namespace)
    throw new Error('DEPLOY_NAMESPACE is required outside a cluster (DEPLOYMENT_TARGET=kubernetes)');
  return new KubernetesDeploymentTarget({
    kubeConfig,
    namespace,
    runtime: env.DEPLOY_RUNTIME,
    storageUri: env.DEPLOY_STORAGE_URI,
    models: env.DEPLOY_MODELS,
    template: env.DEPLOY_TEMPLATE,
  });
}
