#!/usr/bin/env bash
# Runs the whole detection stack.
#
#   ./run_all.sh                 local mode: build, start the model server and the backend on this
#                                machine, run the end-to-end smoke test, then serve until Ctrl-C
#   ./run_all.sh --mode kind     the Kubernetes path on Kind (delegates to ./run_all_k8s.sh)
#
# Local-mode options:
#   --api-port N        backend port (default 8000, env API_PORT)
#   --model-port N      model-server port (default 8080, env MODEL_PORT)
#   --data-dir DIR      SQLite database, stored images and logs (default ./data, env DATA_DIR)
#   --skip-install      do not run `pnpm install` (dependencies already installed)
#   --check             start everything, run the smoke test, stop, and exit with its result
#   --no-smoke          do not run the smoke test
# Anything after `--mode kind` is passed on to run_all_k8s.sh (e.g. --clean).
set -euo pipefail
cd "$(dirname "$0")"

mode=local
api_port=${API_PORT:-8000}
model_port=${MODEL_PORT:-8080}
data_dir=${DATA_DIR:-./data}
install=1
check=0
smoke=1
kind_args=()

while [ $# -gt 0 ]; do
  case "$1" in
    --mode) mode=${2:?--mode needs local or kind}; shift 2 ;;
    --mode=*) mode=${1#--mode=}; shift ;;
    --api-port) api_port=${2:?}; shift 2 ;;
    --model-port) model_port=${2:?}; shift 2 ;;
    --data-dir) data_dir=${2:?}; shift 2 ;;
    --skip-install) install=0; shift ;;
    --check) check=1; shift ;;
    --no-smoke) smoke=0; shift ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *)
      if [ "$mode" = kind ]; then kind_args+=("$1"); shift
      else echo "run_all.sh: unknown option $1 (see --help)" >&2; exit 2; fi ;;
  esac
done

case "$mode" in
  kind) exec ./run_all_k8s.sh ${kind_args[@]+"${kind_args[@]}"} ;;
  local) ;;
  *) echo "run_all.sh: --mode must be local or kind, not '$mode'" >&2; exit 2 ;;
esac

log() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf 'run_all.sh: %s\n' "$*" >&2; exit 1; }

command -v node >/dev/null 2>&1 || die "Node.js 20.19 or newer is required (https://nodejs.org)"
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \
  || die "Node.js $(node -v) is too old: 20.19 or newer is required"
if ! command -v pnpm >/dev/null 2>&1; then
  pnpm_version=$(node -p "require('./package.json').packageManager.split('@')[1]")
  log "installing pnpm ${pnpm_version} (npm install --global)"
  npm install --global --no-fund --no-audit "pnpm@${pnpm_version}"
fi

if [ "$install" -eq 1 ]; then
  # The root postinstall runs `pnpm model:ensure`.
  log "installing dependencies (pnpm install --frozen-lockfile; also builds the model repository)"
  pnpm install --frozen-lockfile
else
  log "checking the model repository"
  pnpm model:ensure
fi
log "building the model server, the backend and the web UI"
pnpm build

mkdir -p "$data_dir/logs"
data_dir=$(cd "$data_dir" && pwd)
pids=()
# shellcheck disable=SC2317  # invoked by the EXIT trap
stop_all() {
  for pid in ${pids[@]+"${pids[@]}"}; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in ${pids[@]+"${pids[@]}"}; do wait "$pid" 2>/dev/null || true; done
}
trap stop_all EXIT
trap 'exit 130' INT TERM

wait_for() { # name url seconds logfile pid
  local name=$1 url=$2 seconds=$3 logfile=$4 pid=$5
  for _ in $(seq "$((seconds * 5))"); do
    if curl -fsS -o /dev/null "$url" 2>/dev/null; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 30 "$logfile" >&2
      die "$name exited during start-up (log: $logfile)"
    fi
    sleep 0.2
  done
  tail -n 30 "$logfile" >&2
  die "$name was not ready after ${seconds}s at $url (log: $logfile)"
}

log "starting the model server on port ${model_port}"
PORT=$model_port MODEL_REPOSITORY="$PWD/model/repository" \
  node services/model-server/dist/index.js >"$data_dir/logs/model-server.log" 2>&1 &
model_pid=$!
pids+=("$model_pid")
wait_for "model server" "http://127.0.0.1:${model_port}/v2/health/ready" 60 "$data_dir/logs/model-server.log" "$model_pid"

log "starting the backend on port ${api_port}"
PORT=$api_port MODEL_SERVER_URL="http://127.0.0.1:${model_port}" \
  DATABASE_PATH="$data_dir/detections.sqlite" STORAGE_BACKEND=fs STORAGE_DIR="$data_dir/images" \
  node services/backend/dist/index.js >"$data_dir/logs/backend.log" 2>&1 &
backend_pid=$!
pids+=("$backend_pid")
wait_for "backend" "http://127.0.0.1:${api_port}/ready" 60 "$data_dir/logs/backend.log" "$backend_pid"

if [ "$smoke" -eq 1 ]; then
  log "end-to-end smoke test: upload a photo, read back its objects, delete it"
  pnpm --silent --filter @detection/backend smoke -- --base-url "http://127.0.0.1:${api_port}"
fi

if [ "$check" -eq 1 ]; then
  log "check passed; stopping"
  exit 0
fi

cat <<EOF

  Web UI            http://localhost:${api_port}/
  API docs          http://localhost:${api_port}/docs   (OpenAPI: /openapi.json)
  Model server      http://localhost:${model_port}/v2   (Open Inference Protocol)
  Data and logs     ${data_dir}

  Try:  curl -F file=@photo.jpg http://localhost:${api_port}/images
  Ctrl-C stops both services.
EOF
# Plain polling rather than `wait -n`, which the bash 3.2 that macOS ships lacks.
while kill -0 "$model_pid" 2>/dev/null && kill -0 "$backend_pid" 2>/dev/null; do sleep 1; done
die "a service stopped unexpectedly; see ${data_dir}/logs"
