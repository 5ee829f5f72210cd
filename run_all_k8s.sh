#!/usr/bin/env bash
# Kind mode: the whole stack on a local Kind cluster.
#   ./run_all_k8s.sh [options]   the same as ./run_all.sh --mode kind [options]: deploy (below), then the smoke
#                                test and the evaluation through the Istio gateway, --verify, a summary; --once
#                                exits with the status, otherwise it keeps serving until Ctrl-C
#   --deploy   cluster (kind-config.yaml) -> Gateway API CRDs, Istio, cert-manager, Knative Serving, KServe
#              (pinned) -> both images built and loaded into the node -> the `local` overlay deployed
#   --verify   proves the security claims from inside the cluster and measures cold start (environments/kind)
#   --status   the deploy tool's status, with the URLs that work
#   --clean    deletes everything it created: the cluster, the images, their BuildKit cache, its helm state
# Re-running reuses the cluster and upgrades what changed. Step by step, expected timings, minimum resources
# and troubleshooting: environments/README.md. The functions can be sourced (environments/test runs them
# with stand-ins for docker, kind, kubectl and helm).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

CLUSTER_NAME=detection
KUBE_CONTEXT="kind-${CLUSTER_NAME}"
NAMESPACE=detection
# Host port that kind-config.yaml maps to the istio-ingressgateway's http NodePort (31080).
GATEWAY_PORT=8088
GATEWAY_URL=${GATEWAY_URL:-http://127.0.0.1:${GATEWAY_PORT}}

# Versions KServe v0.15.2 itself installs and tests with (its hack/quick_install.sh).
KIND_VERSION_TESTED=v0.29.0
GATEWAY_API_VERSION=v1.2.1
ISTIO_VERSION=1.23.2
CERT_MANAGER_VERSION=v1.16.1
KNATIVE_OPERATOR_VERSION=1.15.7
KSERVE_VERSION=v0.15.2

# What Docker must offer (docker info): the cluster's requests add up to about 2.2 CPUs and 3 GiB during a
# rollout (environments/test/manifests.test.ts keeps that true), plus what the processes really use.
MIN_CPUS=3
MIN_MEMORY_GIB=6

MODEL_SERVER_IMAGE=kind.local/detection-model-server
BACKEND_IMAGE=kind.local/detection-backend
# The BuildKit cache mount of both Dockerfiles, as BuildKit describes it ("cached mount <target> from exec ...").
BUILD_CACHE_MOUNT=/detection-pnpm-store
# Everything else this script keeps on the machine (helm's repositories and chart cache, image archives):
# helm runs with its own configuration here, never touching yours, and --clean deletes the directory.
STATE_DIR=${DETECTION_KIND_STATE:-${XDG_CACHE_HOME:-$HOME/.cache}/detection-kind}

# shellcheck source=environments/kind/verify.sh
source environments/kind/verify.sh

usage() {
  cat <<USAGE
Usage: ./run_all_k8s.sh [--deploy | --verify [--json FILE] | --status | --clean | run_all.sh options]

  (no action)  the same as ./run_all.sh --mode kind: deploy, then the smoke test and the evaluation through
               the Istio gateway, --verify and a summary; --once, --no-eval, --no-smoke, --no-verify,
               --dataset DIR, --log-dir DIR are run_all.sh's options
  --deploy     create or reuse the Kind cluster "${CLUSTER_NAME}", install the platform, build and load the
               images, deploy the local overlay and wait until it is ready
  --verify     from inside the cluster: a pod without a sidecar cannot reach the predictor or the backend,
               a pod in another namespace is denied, the gateway routes only to the backend; then the cold
               start through the activator and the warm latency (--json FILE: also as JSON)
  --status     the InferenceService, its URLs and replicas, and the workloads
  --clean      delete the Kind cluster "${CLUSTER_NAME}", the images this script built, their BuildKit
               cache and this script's helm state (${STATE_DIR})
  -h, --help   show this help

Docker needs at least ${MIN_CPUS} CPUs and ${MIN_MEMORY_GIB} GB of memory (4 CPUs and 8 GB recommended).
Environment: IMAGE_TAG (default: <version>-<git commit>[-dirty-<hash of the changed image inputs>]),
SKIP_BUILD=1 (reuse images already loaded with that IMAGE_TAG), DEPLOY_TIMEOUT (seconds, default 900),
GATEWAY_URL (default ${GATEWAY_URL}), VERIFY_ZERO_TIMEOUT (seconds to wait for scale to zero, default 420).
USAGE
}

log() { printf '\n==> %s\n' "$*"; }
die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

k() { kubectl --context "$KUBE_CONTEXT" "$@"; }
# helm with its own configuration, repositories and cache under STATE_DIR.
h() {
  HELM_CONFIG_HOME="$STATE_DIR/helm/config" HELM_CACHE_HOME="$STATE_DIR/helm/cache" \
    HELM_DATA_HOME="$STATE_DIR/helm/data" helm --kube-context "$KUBE_CONTEXT" "$@"
}

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
  check_docker_resources
  local kind_version
  kind_version=$(kind version | awk '{print $2}')
  if [ "$kind_version" != "$KIND_VERSION_TESTED" ]; then
    printf 'note: kind %s found; kind-config.yaml pins the node image published with kind %s\n' "$kind_version" "$KIND_VERSION_TESTED"
  fi
}

# docker_resources_problem <CPUs> <memory bytes>: what is missing for Kind mode, or nothing. A VM given N GB
# reports a little less (the kernel's share): up to 512 MiB below the minimum is accepted.
docker_resources_problem() {
  local cpus=$1 bytes=$2 mib
  case "$cpus$bytes" in
    '' | *[!0-9]*)
      echo "could not read Docker's CPUs and memory from docker info (got '${cpus}' and '${bytes}')"
      return
      ;;
  esac
  mib=$((bytes / 1024 / 1024))
  if [ "$cpus" -lt "$MIN_CPUS" ] || [ "$mib" -lt $((MIN_MEMORY_GIB * 1024 - 512)) ]; then
    printf 'Docker offers %s CPUs and %s GiB of memory; Kind mode needs at least %s CPUs and %s GB (4 CPUs and 8 GB recommended), or pods stay Pending. Raise them in Docker Desktop (Settings > Resources) or your VM (colima start --cpu 4 --memory 8); on Linux, Docker uses the whole machine.\n' \
      "$cpus" "$(awk -v m="$mib" 'BEGIN { printf "%.1f", m / 1024 }')" "$MIN_CPUS" "$MIN_MEMORY_GIB"
  fi
}

check_docker_resources() {
  local cpus bytes problem
  read -r cpus bytes < <(docker info --format '{{.NCPU}} {{.MemTotal}}' 2>/dev/null || echo "? ?")
  problem=$(docker_resources_problem "$cpus" "$bytes")
  [ -z "$problem" ] || die "$problem"
}

# Docker's containerd image store (the default of Docker Desktop and of new Docker Engine installs).
docker_uses_containerd_store() {
  docker info --format '{{ .DriverStatus }}' 2>/dev/null | grep -q 'io.containerd.snapshotter'
}

# needs_archive_fallback <kind load output>: kind load docker-image pipes `docker save` into the node's
# `ctr images import --all-platforms`; with the containerd image store that archive names platforms whose
# content is absent and the import fails with "content digest ...: not found" (kubernetes-sigs/kind#3795).
needs_archive_fallback() {
  case "$1" in
    *"content digest"*"not found"*) return 0 ;;
  esac
  docker_uses_containerd_store
}

# load_image <image>: into the Kind node; on kind#3795, a single-platform archive instead, as kind's
# maintainers advise there (docker image save --platform + kind load image-archive).
load_image() {
  local image=$1 output archive platform status=0
  if output=$(kind load docker-image --name "$CLUSTER_NAME" "$image" 2>&1); then
    printf '%s\n' "$output"
    return 0
  fi
  if ! needs_archive_fallback "$output"; then
    printf '%s\n' "$output" >&2
    die "kind load docker-image ${image} failed"
  fi
  printf '  kind load docker-image failed on the containerd image store (kind#3795); loading a single-platform archive\n'
  mkdir -p "$STATE_DIR/images"
  archive="$STATE_DIR/images/$(printf '%s' "$image" | tr '/:' '__').tar"
  platform=$(docker image inspect --format '{{.Os}}/{{.Architecture}}{{if .Variant}}/{{.Variant}}{{end}}' "$image")
  # --platform needs Docker 28; an older Docker's classic store saves the one platform it has anyway.
  docker image save --platform "$platform" -o "$archive" "$image" 2>/dev/null ||
    docker image save -o "$archive" "$image"
  kind load image-archive --name "$CLUSTER_NAME" "$archive" || status=$?
  rm -f "$archive"
  [ "$status" -eq 0 ] || die "kind load image-archive ${image} failed"
}

# prune_build_cache: the BuildKit cache these builds created and nothing else: the pnpm store cache mount
# (found by its description) and the layers of the build steps that name this workspace's packages.
prune_build_cache() {
  local prune=(docker buildx prune)
  docker buildx version >/dev/null 2>&1 || prune=(docker builder prune)
  "${prune[@]}" --force --filter type=exec.cachemount --filter "description~=cached mount ${BUILD_CACHE_MOUNT} " ||
    printf 'note: could not prune the BuildKit cache mount %s\n' "$BUILD_CACHE_MOUNT" >&2
  "${prune[@]}" --force --filter "description~=@detection/" ||
    printf 'note: could not prune the BuildKit cache of the @detection/ build steps\n' >&2
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
  if docker info >/dev/null 2>&1; then
    log "Removing the BuildKit cache of these builds"
    prune_build_cache
  fi
  if [ -d "$STATE_DIR" ]; then
    log "Removing this script's helm repositories, chart cache and image archives (${STATE_DIR})"
    rm -rf "$STATE_DIR"
  fi
  log "Clean"
}

gateway_port_busy() {
  (exec 3<>"/dev/tcp/127.0.0.1/${GATEWAY_PORT}") 2>/dev/null
}

create_cluster() {
  if kind get clusters 2>/dev/null | grep -qx "$CLUSTER_NAME"; then
    log "Reusing Kind cluster ${CLUSTER_NAME}"
  else
    if gateway_port_busy; then
      die "port ${GATEWAY_PORT} on 127.0.0.1 is in use; kind-config.yaml maps the Istio gateway there: stop what listens on it"
    fi
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
  h repo add istio https://istio-release.storage.googleapis.com/charts --force-update >/dev/null
  h upgrade --install istio-base istio/base -n istio-system --create-namespace \
    --version "$ISTIO_VERSION" --set defaultRevision=default --wait
  h upgrade --install istiod istio/istiod -n istio-system --version "$ISTIO_VERSION" \
    -f environments/platform/istiod-values.yaml --wait
  # The release name must be istio-ingressgateway: Knative's gateways select the labels derived from it.
  h upgrade --install istio-ingressgateway istio/gateway -n istio-system --version "$ISTIO_VERSION" \
    -f environments/platform/istio-ingressgateway-values.yaml --wait
  k -n istio-system rollout status deployment/istiod --timeout=300s
  k -n istio-system rollout status deployment/istio-ingressgateway --timeout=300s
}

install_cert_manager() {
  log "cert-manager ${CERT_MANAGER_VERSION}"
  h repo add jetstack https://charts.jetstack.io --force-update >/dev/null
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
    -n knative-operator --create-namespace -f environments/platform/knative-operator-values.yaml --wait
  retry 20 6 k apply -f environments/platform/knative-serving.yaml
  k -n knative-serving wait knativeserving/knative-serving --for=condition=Ready --timeout=600s
  k -n knative-serving rollout status deployment/activator --timeout=300s
}

install_kserve() {
  log "KServe ${KSERVE_VERSION} (Serverless mode)"
  h upgrade --install kserve-crd oci://ghcr.io/kserve/charts/kserve-crd --version "$KSERVE_VERSION" \
    -n kserve --create-namespace --wait
  h upgrade --install kserve oci://ghcr.io/kserve/charts/kserve --version "$KSERVE_VERSION" \
    -n kserve --wait -f environments/platform/kserve-values.yaml
  k -n kserve rollout status deployment/kserve-controller-manager --timeout=300s
  # The defaulting/validating webhooks answer only once the controller's endpoints exist.
  wait_for 300 "KServe webhook endpoints" \
    sh -c "kubectl --context '$KUBE_CONTEXT' -n kserve get endpoints kserve-webhook-server-service -o jsonpath='{.subsets[*].addresses[*].ip}' | grep -q ."
}

ensure_workspace() {
  if [ ! -d environments/node_modules/@kubernetes/client-node ]; then
    pnpm install --frozen-lockfile
  fi
}

deploy_tool() {
  pnpm --silent --filter @detection/environments k8s "$@"
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
  load_image "${MODEL_SERVER_IMAGE}:${IMAGE_TAG}"
  load_image "${BACKEND_IMAGE}:${IMAGE_TAG}"
}

deploy_stack() {
  log "Deploying the local overlay (model version published first, then backend, InferenceService, Istio routing)"
  deploy_tool deploy --overlay local --context "$KUBE_CONTEXT" \
    --image "${MODEL_SERVER_IMAGE}=${MODEL_SERVER_IMAGE}:${IMAGE_TAG}" \
    --image "${BACKEND_IMAGE}=${BACKEND_IMAGE}:${IMAGE_TAG}" \
    --wait --timeout "${DEPLOY_TIMEOUT:-900}"
}

status() {
  deploy_tool status --overlay local --context "$KUBE_CONTEXT" --gateway-url "$GATEWAY_URL"
}

deploy_all() {
  check_prerequisites
  ensure_workspace
  if [ -z "${IMAGE_TAG:-}" ]; then
    IMAGE_TAG=$(deploy_tool image-tag)
  fi
  case "$IMAGE_TAG" in
    latest | *:* | '') die "IMAGE_TAG must be a plain tag other than latest (got '${IMAGE_TAG}')" ;;
  esac
  create_cluster
  install_gateway_api
  install_istio
  install_cert_manager
  install_knative
  install_kserve
  build_images
  deploy_stack
}

main() {
  case "${1:-}" in
    --deploy)
      [ $# -eq 1 ] || die "--deploy takes no other option"
      deploy_all
      ;;
    --verify)
      shift
      verify_main "$@"
      ;;
    --status) status ;;
    --clean) clean ;;
    -h | --help) usage ;;
    *) exec ./run_all.sh --mode kind "$@" ;;
  esac
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  main "$@"
fi
