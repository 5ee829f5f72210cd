#!/usr/bin/env bash
# Kind mode: builds the whole stack on a local Kind cluster and proves it works end to end.
#   cluster (kind-config.yaml) -> Gateway API CRDs, Istio, cert-manager, Knative Serving, KServe (pinned)
#   -> both images built and `kind load`ed -> the `local` overlay deployed (models copied onto their PVC)
#   -> InferenceService Ready -> the smoke test through the Istio ingress gateway -> URLs printed.
# Re-running reuses the cluster and upgrades what changed. `--clean` deletes everything it created.
# Step by step, expected timings and troubleshooting: environments/README.md.
set -euo pipefail
cd "$(dirname "$0")"

CLUSTER_NAME=detection
KUBE_CONTEXT="kind-${CLUSTER_NAME}"
NAMESPACE=detection
# Host port that kind-config.yaml maps to the istio-ingressgateway's http NodePort (31080).
GATEWAY_PORT=8088

# Versions KServe v0.15.2 itself installs and tests with (its hack/quick_install.sh).
KIND_VERSION_TESTED=v0.29.0
GATEWAY_API_VERSION=v1.2.1
ISTIO_VERSION=1.23.2
CERT_MANAGER_VERSION=v1.16.1
KNATIVE_OPERATOR_VERSION=1.15.7
KSERVE_VERSION=v0.15.2

MODEL_SERVER_IMAGE=kind.local/detection-model-server
BACKEND_IMAGE=kind.local/detection-backend

usage() {
  cat <<USAGE
Usage: ./run_all_k8s.sh [--clean]

  (no option)  create or reuse the Kind cluster "${CLUSTER_NAME}", install the platform, build and load
               the images, deploy the local overlay and run the end-to-end smoke test through the gateway
  --clean      delete the Kind cluster "${CLUSTER_NAME}" and the images this script built
  -h, --help   show this help

Environment: IMAGE_TAG (default: <version>-<git commit>[-dirty-<time>]), SKIP_BUILD=1 (reuse images
already loaded with that IMAGE_TAG), DEPLOY_TIMEOUT (seconds, default 900).
USAGE
}

log() { printf '\n==> %s\n' "$*"; }
die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

k() { kubectl --context "$KUBE_CONTEXT" "$@"; }
h() { helm --kube-context "$KUBE_CONTEXT" "$@"; }

# retry <attempts> <seconds between> <command...>: for steps that race a component still starting.
retry() {
  local attempts=$1 delay=$2 attempt=1
  shift 2
  until "$@"; do
    if [ "$attempt" -ge "$attempts" ]; then
      return 1
    fi
    printf '  (attempt %s/%s failed, retrying in %ss)\n' "$attempt" "$attempts" "$delay" >&2
    attempt=$((attempt + 1))
    sleep "$delay"
  done
}

# wait_for <seconds> <description> <command...>: polls until the command succeeds.
wait_for() {
  local timeout=$1 description=$2 deadline
  shift 2
  deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      die "timed out after ${timeout}s waiting for ${description}"
    fi
    sleep 3
  done
}

check_prerequisites() {
  local missing=() tool
  for tool in docker kind kubectl helm node pnpm git curl; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    printf 'missing: %s\n' "${missing[*]}" >&2
    cat >&2 <<HINTS
Install them first:
  docker   https://docs.docker.com/engine/install/ (Docker Desktop on macOS/Windows)
  kind     https://kind.sigs.k8s.io/docs/user/quick-start/#installation (tested with ${KIND_VERSION_TESTED})
  kubectl  https://kubernetes.io/docs/tasks/tools/ (v1.30 or newer)
  helm     https://helm.sh/docs/intro/install/ (v3.8 or newer, for OCI charts)
  node     Node.js >= 20.19, and pnpm 10 (npm install -g pnpm@10)
  git, curl from your package manager
HINTS
    exit 1
  fi
  docker info >/dev/null 2>&1 || die "docker is installed but its daemon is not reachable (is Docker running?)"
  local kind_version
  kind_version=$(kind version | awk '{print $2}')
  if [ "$kind_version" != "$KIND_VERSION_TESTED" ]; then
    printf 'note: kind %s found; kind-config.yaml pins the node image published with kind %s\n' "$kind_version" "$KIND_VERSION_TESTED"
  fi
}

clean() {
  local tool
  for tool in kind docker; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is not installed; nothing this script created can exist without it"
  done
  if kind get clusters 2>/dev/null | grep -qx "$CLUSTER_NAME"; then
    log "Deleting Kind cluster ${CLUSTER_NAME} (Istio, Knative, KServe, the stack and its volumes)"
    kind delete cluster --name "$CLUSTER_NAME"
  else
    log "No Kind cluster named ${CLUSTER_NAME}"
  fi
  local images
  images=$(docker image ls --format '{{.Repository}}:{{.Tag}}' | grep -E "^(${MODEL_SERVER_IMAGE}|${BACKEND_IMAGE}):" || true)
  if [ -n "$images" ]; then
    log "Removing images built by this script"
    # shellcheck disable=SC2086 # one image reference per word
    docker image rm $images
  fi
  log "Clean"
}

create_cluster() {
  if kind get clusters 2>/dev/null | grep -qx "$CLUSTER_NAME"; then
    log "Reusing Kind cluster ${CLUSTER_NAME}"
  else
    log "Creating Kind cluster ${CLUSTER_NAME} (Kubernetes 1.30)"
    kind create cluster --config kind-config.yaml --wait 180s
  fi
  k cluster-info >/dev/null
}

install_gateway_api() {
  log "Gateway API CRDs ${GATEWAY_API_VERSION}"
  k apply --server-side -f "https://github.com/kubernetes-sigs/gateway-api/releases/download/${GATEWAY_API_VERSION}/standard-install.yaml" >/dev/null
}

install_istio() {
  log "Istio ${ISTIO_VERSION} (base, istiod, istio-ingressgateway on NodePort ${GATEWAY_PORT}->31080)"
  helm repo add istio https://istio-release.storage.googleapis.com/charts --force-update >/dev/null
  h upgrade --install istio-base istio/base -n istio-system --create-namespace \
    --version "$ISTIO_VERSION" --set defaultRevision=default --wait
  h upgrade --install istiod istio/istiod -n istio-system --version "$ISTIO_VERSION" --wait
  # The release name must be istio-ingressgateway: Knative's gateways select the labels derived from it.
  h upgrade --install istio-ingressgateway istio/gateway -n istio-system --version "$ISTIO_VERSION" \
    -f environments/platform/istio-ingressgateway-values.yaml --wait
  k -n istio-system rollout status deployment/istiod --timeout=300s
  k -n istio-system rollout status deployment/istio-ingressgateway --timeout=300s
}

install_cert_manager() {
  log "cert-manager ${CERT_MANAGER_VERSION}"
  helm repo add jetstack https://charts.jetstack.io --force-update >/dev/null
  h upgrade --install cert-manager jetstack/cert-manager -n cert-manager --create-namespace \
    --version "$CERT_MANAGER_VERSION" --set crds.enabled=true --wait
  k -n cert-manager rollout status deployment/cert-manager-webhook --timeout=300s
}

install_knative() {
  log "Knative Serving 1.15.2 through the Knative Operator ${KNATIVE_OPERATOR_VERSION}"
  # knative-serving gets sidecars before Knative starts: under STRICT mTLS the activator must speak mTLS.
  k create namespace knative-serving --dry-run=client -o yaml | k apply -f - >/dev/null
  k label namespace knative-serving istio-injection=enabled --overwrite >/dev/null
  h upgrade --install knative-operator \
    "https://github.com/knative/operator/releases/download/knative-v${KNATIVE_OPERATOR_VERSION}/knative-operator-v${KNATIVE_OPERATOR_VERSION}.tgz" \
    -n knative-operator --create-namespace --wait
  retry 20 6 k apply -f environments/platform/knative-serving.yaml
  k -n knative-serving wait knativeserving/knative-serving --for=condition=Ready --timeout=600s
  k -n knative-serving rollout status deployment/activator --timeout=300s
}

install_kserve() {
  log "KServe ${KSERVE_VERSION} (Serverless mode)"
  h upgrade --install kserve-crd oci://ghcr.io/kserve/charts/kserve-crd --version "$KSERVE_VERSION" \
    -n kserve --create-namespace --wait
  h upgrade --install kserve oci://ghcr.io/kserve/charts/kserve --version "$KSERVE_VERSION" \
    -n kserve --wait --set-string kserve.controller.deploymentMode=Serverless
  k -n kserve rollout status deployment/kserve-controller-manager --timeout=300s
  # The defaulting/validating webhooks answer only once the controller's endpoints exist.
  wait_for 300 "KServe webhook endpoints" \
    sh -c "kubectl --context '$KUBE_CONTEXT' -n kserve get endpoints kserve-webhook-server-service -o jsonpath='{.subsets[*].addresses[*].ip}' | grep -q ."
}

image_tag() {
  local version commit
  version=$(node -p "require('./services/model-server/package.json').version")
  commit=$(git rev-parse --short=12 HEAD)
  if [ -n "$(git status --porcelain -- services model package.json pnpm-lock.yaml)" ]; then
    printf '%s-%s-dirty-%s' "$version" "$commit" "$(date +%s)"
  else
    printf '%s-%s' "$version" "$commit"
  fi
}

build_images() {
  if [ "${SKIP_BUILD:-0}" = "1" ]; then
    log "Skipping the image build (SKIP_BUILD=1), using tag ${IMAGE_TAG}"
    return
  fi
  # BuildKit: cache mounts and the per-Dockerfile .dockerignore files (default since Docker 23).
  export DOCKER_BUILDKIT=1
  log "Building ${MODEL_SERVER_IMAGE}:${IMAGE_TAG} (model repository built inside the image)"
  docker build -f services/model-server/Dockerfile --build-arg "VERSION=${IMAGE_TAG}" \
    -t "${MODEL_SERVER_IMAGE}:${IMAGE_TAG}" .
  log "Building ${BACKEND_IMAGE}:${IMAGE_TAG} (API and web UI)"
  docker build -f services/backend/Dockerfile --build-arg "VERSION=${IMAGE_TAG}" \
    -t "${BACKEND_IMAGE}:${IMAGE_TAG}" .
  log "Loading the images into the Kind node"
  kind load docker-image --name "$CLUSTER_NAME" "${MODEL_SERVER_IMAGE}:${IMAGE_TAG}" "${BACKEND_IMAGE}:${IMAGE_TAG}"
}

deploy_stack() {
  log "Deploying the local overlay (models copied onto their PVC, backend, InferenceService, Istio routing)"
  if [ ! -d environments/node_modules/@kubernetes/client-node ]; then
    pnpm install --frozen-lockfile
  fi
  pnpm --silent --filter @detection/environments k8s deploy --overlay local --context "$KUBE_CONTEXT" \
    --image "${MODEL_SERVER_IMAGE}=${MODEL_SERVER_IMAGE}:${IMAGE_TAG}" \
    --image "${BACKEND_IMAGE}=${BACKEND_IMAGE}:${IMAGE_TAG}" \
    --wait --timeout "${DEPLOY_TIMEOUT:-900}"
}

smoke_test() {
  local base_url="http://127.0.0.1:${GATEWAY_PORT}"
  log "Waiting for the gateway route to the backend (${base_url}/health)"
  wait_for 180 "${base_url}/health through the Istio ingress gateway" curl -fsS "${base_url}/health"
  log "End-to-end smoke test through the gateway (upload a photo -> detected objects)"
  pnpm --silent --filter @detection/backend smoke -- --base-url "$base_url"
}

summary() {
  local base_url="http://127.0.0.1:${GATEWAY_PORT}"
  pnpm --silent --filter @detection/environments k8s status --overlay local --context "$KUBE_CONTEXT"
  cat <<SUMMARY

The stack runs on Kind (context ${KUBE_CONTEXT}):
  Web UI          ${base_url}/
  API docs        ${base_url}/docs
  OpenAPI         ${base_url}/openapi.json
  Health          ${base_url}/health   ${base_url}/ready

Watch the predictor scale to zero (about 60-90 s after the last request) and back:
  kubectl --context ${KUBE_CONTEXT} -n ${NAMESPACE} get pods -l serving.kserve.io/inferenceservice=detector -w
  pnpm --filter @detection/environments k8s status --overlay local --context ${KUBE_CONTEXT}
then upload an image (web UI, or the smoke test again) and see a pod start:
  pnpm --filter @detection/backend smoke -- --base-url ${base_url}

Remove everything: ./run_all_k8s.sh --clean
SUMMARY
}

main() {
  case "${1:-}" in
    --clean)
      clean
      return
      ;;
    -h | --help)
      usage
      return
      ;;
    "") ;;
    *)
      usage >&2
      exit 2
      ;;
  esac
  check_prerequisites
  IMAGE_TAG=${IMAGE_TAG:-$(image_tag)}
  case "$IMAGE_TAG" in
    latest | *:*) die "IMAGE_TAG must be a plain tag other than latest (got ${IMAGE_TAG})" ;;
  esac
  create_cluster
  install_gateway_api
  install_istio
  install_cert_manager
  install_knative
  install_kserve
  build_images
  deploy_stack
  smoke_test
  summary
}

main "$@"
