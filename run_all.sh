#!/usr/bin/env bash
# Runs the whole detection stack: ./run_all.sh [--mode local|kind] [--once]; details in usage() below.
# Both modes share the smoke test, the evaluation, the summary and --once; kind mode reaches the stack
# through the Istio gateway of the Kind cluster that ./run_all_k8s.sh --deploy creates.
# Bash 3.2 compatible (macOS): no `wait -n`, no associative arrays, no ${var,,}.
set -euo pipefail

invocation_dir=$PWD
cd "$(dirname "$0")"
repo_root=$PWD

usage() {
  cat <<'USAGE'
Usage: ./run_all.sh [--mode local|kind] [--once] [options]

  --mode local   (default) on this machine: check the prerequisites, install pnpm and the dependencies
                 if needed, build the model repository and the services, start the model server and the
                 backend (logs in logs/), run the end-to-end smoke test and, when a dataset is present, the
                 evaluation; print a summary, then serve until Ctrl-C, which stops everything it started
  --mode kind    the Kubernetes path: install the dependencies if needed, ./run_all_k8s.sh --deploy (Kind
                 cluster, platform, images, the local overlay; logs/kind.log), then through the Istio
                 gateway the smoke test and the evaluation, ./run_all_k8s.sh --verify (security checks, cold
                 start; logs/verify.json) and the summary; then it follows the predictor's pods until Ctrl-C,
                 which stops what it started here and leaves the cluster running. --clean, --verify,
                 --status and --deploy are handed to ./run_all_k8s.sh
  --once         stop everything and exit after the summary: 0 when every step passed, non-zero
                 otherwise (for scripts and CI; --check is an alias)

Options [environment variable] (the ports and --data-dir are local mode's):
  --api-port N      backend port (default 8000) [API_PORT]
  --model-port N    model-server port (default 9090) [MODEL_PORT]
  --data-dir DIR    SQLite database and stored images (default ./data) [DATA_DIR]
  --log-dir DIR     logs of every step and service, evaluation report (default ./logs) [LOG_DIR]
  --dataset DIR     evaluation dataset, COCO or YOLO (default evaluation/dataset) [EVAL_DATASET]
  --no-eval         skip the evaluation
  --no-smoke        skip the smoke test
  --no-verify       kind mode: skip ./run_all_k8s.sh --verify (it waits for the predictor to scale to zero)
  --skip-install    do not run pnpm install (dependencies already installed)
  -h, --help        show this help
Each service must be ready within READY_TIMEOUT seconds (default 120). The model server serves
MODEL_REPOSITORY (default model/repository); a model there that fails to load is reported and skipped.
Relative paths you give are taken from the directory you run the script in; the defaults are inside the
repository.
USAGE
}

usage_error() {
  printf 'run_all.sh: %s (see ./run_all.sh --help)\n' "$*" >&2
  exit 2
}

# Paths given by the user are relative to where they ran the script, not to the repository.
from_invocation_dir() {
  case "$1" in
    /*) printf '%s' "$1" ;;
    *) printf '%s/%s' "$invocation_dir" "$1" ;;
  esac
}

mode=local
once=0
install=1
smoke=1
evaluate=1
verify=1
api_port=${API_PORT:-8000}
model_port=${MODEL_PORT:-9090}
data_dir=$(from_invocation_dir "${DATA_DIR:-$repo_root/data}")
log_dir=$(from_invocation_dir "${LOG_DIR:-$repo_root/logs}")
dataset=$(from_invocation_dir "${EVAL_DATASET:-$repo_root/evaluation/dataset}")
model_repository=$(from_invocation_dir "${MODEL_REPOSITORY:-$repo_root/model/repository}")
ready_timeout=${READY_TIMEOUT:-120}
storage_backend=${STORAGE_BACKEND:-fs}
other_args=()

while [ $# -gt 0 ]; do
  case "$1" in
    --mode=* | --api-port=* | --model-port=* | --data-dir=* | --log-dir=* | --dataset=*)
      set -- "${1%%=*}" "${1#*=}" "${@:2}"
      continue
      ;;
    --mode | --api-port | --model-port | --data-dir | --log-dir | --dataset)
      [ $# -ge 2 ] || usage_error "$1 needs a value"
      case "$1" in
        --mode) mode=$2 ;;
        --api-port) api_port=$2 ;;
        --model-port) model_port=$2 ;;
        --data-dir) data_dir=$(from_invocation_dir "$2") ;;
        --log-dir) log_dir=$(from_invocation_dir "$2") ;;
        --dataset) dataset=$(from_invocation_dir "$2") ;;
      esac
      shift 2
      ;;
    --once | --check) once=1; shift ;;
    --skip-install) install=0; shift ;;
    --no-smoke) smoke=0; shift ;;
    --no-eval) evaluate=0; shift ;;
    --no-verify) verify=0; shift ;;
    -h | --help)
      # After --mode kind, the help asked for is run_all_k8s.sh's.
      if [ "$mode" = kind ]; then other_args+=("$1"); shift; else usage; exit 0; fi
      ;;
    *) other_args+=("$1"); shift ;;
  esac
done

case "$mode" in
  kind)
    # The cluster's own actions belong to run_all_k8s.sh.
    case "${other_args[0]:-}" in
      --clean | --verify | --status | --deploy | -h | --help) exec ./run_all_k8s.sh "${other_args[@]}" ;;
    esac
    ;;
  local) ;;
  *) usage_error "--mode must be local or kind, not '$mode'" ;;
esac
[ ${#other_args[@]} -eq 0 ] || usage_error "unknown option ${other_args[0]}"
for port in "$api_port" "$model_port"; do
  case "$port" in
    '' | *[!0-9]*) usage_error "a port must be a number from 1 to 65535, not '$port'" ;;
  esac
  if [ "$port" -lt 1 ] || [ "$port" -gt 65535 ]; then
    usage_error "a port must be a number from 1 to 65535, not '$port'"
  fi
done
[ "$api_port" != "$model_port" ] || usage_error "the backend and the model server cannot share port $api_port"
case "$ready_timeout" in
  '' | *[!0-9]*) usage_error "READY_TIMEOUT must be a number of seconds, not '$ready_timeout'" ;;
esac

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then bold=$(printf '\033[1m') plain=$(printf '\033[0m'); else bold='' plain=''; fi
log() { printf '%s==> %s%s\n' "$bold" "$*" "$plain"; }
die() {
  printf 'run_all.sh: %s\n' "$*" >&2
  exit 1
}
# A path inside the repository is shown relative to it.
shown() {
  case "$1" in
    "$repo_root"/*) printf '%s' "${1#"$repo_root"/}" ;;
    *) printf '%s' "$1" ;;
  esac
}
# Node tells whether a port can be listened on (all interfaces, as the services do): "free" or an error code.
port_status() {
  node -e 'const server = require("node:net").createServer();
    server.once("error", (error) => { console.log(error.code); process.exit(0); });
    server.listen(Number(process.argv[1]), () => server.close(() => console.log("free")));' "$1"
}
# Which process listens on a port, as "name (pid N)", when ss or lsof can tell.
port_owner() {
  local owner=''
  if command -v ss >/dev/null 2>&1; then
    owner=$(ss -ltnp "sport = :$1" 2>/dev/null |
      sed -n 's/.*users:(("\([^"]*\)",pid=\([0-9]*\).*/\1 (pid \2)/p' | head -n 1) || owner=''
  fi
  if [ -z "$owner" ] && command -v lsof >/dev/null 2>&1; then
    owner=$(lsof -nP -iTCP:"$1" -sTCP:LISTEN 2>/dev/null | awk 'NR == 2 { print $1 " (pid " $2 ")" }') || owner=''
  fi
  printf '%s' "$owner"
}
sqlite_binding_loads() {
  (cd services/backend && node -e 'new (require("better-sqlite3"))(":memory:").close()') >/dev/null 2>&1
}

# --- Prerequisites: everything missing is reported at once, before anything is installed or started.
problems=()
node_ok=0
if ! command -v node >/dev/null 2>&1; then
  problems+=("Node.js is missing: install Node.js 20.19 or newer (https://nodejs.org/en/download, or: nvm install 20)")
elif ! node -e 'const [major, minor] = process.versions.node.split(".").map(Number);
    process.exit(major > 20 || (major === 20 && minor >= 19) ? 0 : 1)'; then
  problems+=("Node.js $(node -v) is too old: 20.19 or newer is required (https://nodejs.org/en/download, or: nvm install 20)")
else
  node_ok=1
fi
if ! command -v curl >/dev/null 2>&1; then
  problems+=("curl is missing (used to wait for the services): Debian/Ubuntu: sudo apt-get install curl; Fedora: sudo dnf install curl; macOS: brew install curl")
fi
if [ "$node_ok" -eq 1 ] && ! command -v pnpm >/dev/null 2>&1 && ! command -v npm >/dev/null 2>&1; then
  problems+=("pnpm is missing and so is npm to install it: reinstall Node.js with npm, or install pnpm (https://pnpm.io/installation)")
fi
if [ "$node_ok" -eq 1 ] && [ "$install" -eq 1 ] && ! sqlite_binding_loads; then
  # better-sqlite3 compiles from source on install when no prebuilt binary can be downloaded.
  build_tools=()
  command -v python3 >/dev/null 2>&1 || build_tools+=(python3)
  command -v make >/dev/null 2>&1 || build_tools+=(make)
  if [ -z "${CXX:-}" ] && ! command -v g++ >/dev/null 2>&1 && ! command -v c++ >/dev/null 2>&1 &&
    ! command -v clang++ >/dev/null 2>&1; then
    build_tools+=("g++ (a C++ compiler)")
  fi
  if [ ${#build_tools[@]} -gt 0 ]; then
    problems+=("installing compiles better-sqlite3 (SQLite), which needs python3, make and a C++ compiler; missing: ${build_tools[*]}. Debian/Ubuntu: sudo apt-get install python3 make g++; Fedora: sudo dnf install python3 make gcc-c++; macOS: xcode-select --install")
  fi
fi
if [ "$node_ok" -eq 1 ] && [ "$mode" = local ]; then
  for service in backend model-server; do
    if [ "$service" = backend ]; then port=$api_port option=--api-port; else port=$model_port option=--model-port; fi
    status=$(port_status "$port")
    case "$status" in
      free) ;;
      EADDRINUSE)
        owner=$(port_owner "$port")
        problems+=("port $port (${service/-/ }) is already in use${owner:+ by $owner}: stop that process, or choose another port with $option N")
        ;;
      *) problems+=("cannot listen on port $port (${service/-/ }): $status; choose another port with $option N") ;;
    esac
  done
fi
if [ ${#problems[@]} -gt 0 ]; then
  {
    echo "run_all.sh: cannot start; fix the following and run it again:"
    for problem in "${problems[@]}"; do echo "  - $problem"; done
  } >&2
  exit 1
fi

mkdir -p "$log_dir" "$data_dir"
log_dir=$(cd "$log_dir" && pwd)
data_dir=$(cd "$data_dir" && pwd)

# --- Process bookkeeping. Every step and service runs in its own process group (set -m), so stopping
# it stops its children too (pnpm → tsx → node); cleanup runs on any exit, Ctrl-C or SIGTERM.
step_pid=''
model_pid=''
backend_pid=''
forward_pid=''
watch_pid=''
serving=0

running() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }

# stop_group <pid> [name]: SIGTERM to the group, up to 15 s to exit, then SIGKILL.
# shellcheck disable=SC2317,SC2329  # invoked by cleanup, which the traps invoke
stop_group() {
  local pid=$1 name=${2:-} tenths=0
  [ -n "$pid" ] || return 0
  if running "$pid"; then
    [ -z "$name" ] || echo "stopping the $name (pid $pid)"
    kill -TERM -- "-$pid" 2>/dev/null || true
    while running "$pid"; do
      if [ "$tenths" -ge 150 ]; then
        echo "the ${name:-step} (pid $pid) did not stop within 15 s: killing it" >&2
        break
      fi
      sleep 0.1
      tenths=$((tenths + 1))
    done
  fi
  kill -KILL -- "-$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# shellcheck disable=SC2317,SC2329  # invoked by the traps
cleanup() {
  local status=$?
  trap '' INT TERM HUP
  stop_group "$step_pid"
  stop_group "$backend_pid" backend
  stop_group "$model_pid" "model server"
  stop_group "$forward_pid" "port-forward to the Istio gateway"
  stop_group "$watch_pid" "watch of the predictor's pods"
  step_pid='' backend_pid='' model_pid='' forward_pid='' watch_pid=''
  exit "$status"
}
# shellcheck disable=SC2317,SC2329  # invoked by the traps
on_signal() {
  printf '\n'
  if [ "$serving" -eq 1 ]; then
    log "SIG$1: stopping everything"
    exit 0
  fi
  echo "run_all.sh: interrupted (SIG$1); stopping everything it started" >&2
  case "$1" in
    INT) exit 130 ;;
    HUP) exit 129 ;;
    *) exit 143 ;;
  esac
}
trap cleanup EXIT
trap 'on_signal INT' INT
trap 'on_signal TERM' TERM
trap 'on_signal HUP' HUP

# start_group <command...>: starts a command in the background in a process group of its own; sets $started.
start_group() {
  set -m
  "$@" </dev/null &
  started=$!
  set +m
}

# The reason a service gave for stopping: the message of the last fatal or error line of its JSON log.
exit_reason() {
  [ -s "$1" ] || return 0
  node -e 'const lines = require("node:fs").readFileSync(process.argv[1], "utf8").trim().split("\n").reverse();
    for (const line of lines) {
      let entry;
      try { entry = JSON.parse(line); } catch { continue; }
      if (["fatal", "error", 60, 50].includes(entry.level)) {
        console.log(String(entry.err?.message ?? entry.msg).split("\n")[0]);
        break;
      }
    }' "$1" 2>/dev/null || true
}

show_log_tail() {
  if [ -s "$1" ]; then
    echo "---- last lines of $(shown "$1") ----" >&2
    tail -n 25 "$1" >&2
    echo "----" >&2
  fi
}

# run_step <log file> <description> <command...>: one set-up step, output in its log; stops the script on failure.
run_step() {
  local logfile=$1 what=$2 status=0
  shift 2
  log "$what"
  start_group "$@" >"$logfile" 2>&1
  step_pid=$started
  wait "$step_pid" || status=$?
  step_pid=''
  if [ "$status" -ne 0 ]; then
    show_log_tail "$logfile"
    die "failed (exit $status): $what; log: $(shown "$logfile")"
  fi
}

# run_step_streamed <log file> <description> <command...>: a long step whose output is shown as it comes
# and kept in its log.
run_step_streamed() {
  local logfile=$1 what=$2 status=0
  shift 2
  log "$what"
  # shellcheck disable=SC2016 # expanded by the inner bash: $0 is the log file, $@ the command
  start_group bash -c 'set -o pipefail; "$@" 2>&1 | tee "$0"' "$logfile" "$@"
  step_pid=$started
  wait "$step_pid" || status=$?
  step_pid=''
  [ "$status" -eq 0 ] || die "failed (exit $status): $what; log: $(shown "$logfile")"
}

# wait_ready <name> <url> <pid> <log file>
wait_ready() {
  local name=$1 url=$2 pid=$3 logfile=$4 status=0 reason deadline=$((SECONDS + ready_timeout))
  until curl -fsS --max-time 2 -o /dev/null "$url" 2>/dev/null; do
    if ! running "$pid"; then
      wait "$pid" || status=$?
      show_log_tail "$logfile"
      reason=$(exit_reason "$logfile")
      die "the $name exited during start-up (exit $status)${reason:+: $reason}; log: $(shown "$logfile")"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      show_log_tail "$logfile"
      die "the $name was not ready within ${ready_timeout} s ($url); log: $(shown "$logfile")"
    fi
    sleep 0.2
  done
}

# --- Install and build.
started_at=$SECONDS
if ! command -v pnpm >/dev/null 2>&1; then
  pnpm_version=$(node -p 'require("./package.json").packageManager.split("@")[1]')
  run_step "$log_dir/pnpm-install.log" "installing pnpm $pnpm_version (npm install --global pnpm@$pnpm_version)" \
    npm install --global --no-fund --no-audit "pnpm@$pnpm_version"
  hash -r
  command -v pnpm >/dev/null 2>&1 ||
    die "pnpm was installed but is not on PATH: add $(npm prefix --global)/bin to PATH and run again"
fi
if [ "$install" -eq 1 ]; then
  # The root postinstall builds the model repository (pnpm model:ensure) when it is absent or stale.
  run_step "$log_dir/install.log" \
    "installing dependencies and the model repository (pnpm install --frozen-lockfile; minutes on a fresh clone)" \
    pnpm install --frozen-lockfile
  if ! sqlite_binding_loads; then
    run_step "$log_dir/install.log" "rebuilding better-sqlite3 for Node $(node -v)" \
      pnpm --filter @detection/backend rebuild better-sqlite3
    sqlite_binding_loads ||
      die "better-sqlite3 does not load after a rebuild; log: $(shown "$log_dir/install.log")"
  fi
else
  sqlite_binding_loads ||
    die "the dependencies are not installed (or better-sqlite3 is not built for Node $(node -v)): run ./run_all.sh without --skip-install"
  run_step "$log_dir/model-repository.log" "checking the model repository (pnpm model:ensure)" pnpm model:ensure
fi
if [ "$mode" = local ]; then
  run_step "$log_dir/build.log" "building the model server, the backend and the web UI (pnpm build)" pnpm build

  # --- Services.
  model_url="http://127.0.0.1:$model_port"
  api_url="http://127.0.0.1:$api_port"
  public_url="http://localhost:$api_port"
  eval_url=$model_url
  log "starting the model server on port $model_port (log: $(shown "$log_dir/model-server.log"))"
  # Loopback only: the model server's repository routes can unload models, and only the backend needs it here.
  # The same glibc settings as the model server's image (its README, issue 17).
  start_group env PORT="$model_port" HOST=127.0.0.1 GRPC_PORT="${GRPC_PORT:-off}" MODEL_REPOSITORY="$model_repository" \
    MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}" MALLOC_MMAP_THRESHOLD_="${MALLOC_MMAP_THRESHOLD_:-131072}" \
    node services/model-server/dist/index.js >"$log_dir/model-server.log" 2>&1
  model_pid=$started
  wait_ready "model server" "$model_url/v2/health/ready" "$model_pid" "$log_dir/model-server.log"
  # Models that failed to load do not stop the others; say which and why (the repository index has the reason).
  curl -fsS --max-time 5 -X POST "$model_url/v2/repository/index" 2>/dev/null |
    node -e 'let text = ""; process.stdin.on("data", (chunk) => (text += chunk)).on("end", () => {
      for (const model of JSON.parse(text || "[]").filter((entry) => entry.state === "UNAVAILABLE"))
        console.log("run_all.sh: warning: model " + model.name + " is UNAVAILABLE and not served: " + model.reason +
          "\n  (fix it, then: curl -X POST " + process.argv[1] + "/v2/repository/models/" + model.name + "/load; or remove its folder)");
    });' "$model_url" >&2 || true

  log "starting the backend on port $api_port (log: $(shown "$log_dir/backend.log"))"
  # STORAGE_BACKEND and the S3_* and AWS_* variables pass through (by default, files under the data dir);
  # MALLOC_ARENA_MAX=2 and MALLOC_MMAP_THRESHOLD_=131072 keep glibc from holding on to what libvips' threads and
  # upload buffers freed (see the backend README, "Overload and memory").
  start_group env PORT="$api_port" MODEL_SERVER_URL="$model_url" DATABASE_PATH="$data_dir/detections.sqlite" \
    STORAGE_BACKEND="$storage_backend" STORAGE_DIR="$data_dir/images" \
    MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}" MALLOC_MMAP_THRESHOLD_="${MALLOC_MMAP_THRESHOLD_:-131072}" \
    node services/backend/dist/index.js >"$log_dir/backend.log" 2>&1
  backend_pid=$started
  wait_ready "backend" "$api_url/ready" "$backend_pid" "$log_dir/backend.log"
else
  # --- Kind: the cluster, then the stack through the Istio gateway (run_all_k8s.sh's GATEWAY_PORT and
  # CLUSTER_NAME: 127.0.0.1:8088 mapped by kind-config.yaml, context kind-detection).
  kube_context=kind-detection
  run_step_streamed "$log_dir/kind.log" \
    "Kind cluster, platform, images and the local overlay (./run_all_k8s.sh --deploy; 10-20 minutes the first time)" \
    ./run_all_k8s.sh --deploy
  api_url=${GATEWAY_URL:-http://127.0.0.1:8088}
  gateway_status=0
  curl -sS --max-time 5 -o /dev/null "$api_url/health" 2>/dev/null || gateway_status=$?
  if [ "$gateway_status" -eq 7 ]; then
    # Nothing listens there (a cluster created without kind-config.yaml's port mapping): a port-forward.
    forward_port=$(node -e 'const s = require("node:net").createServer().listen(0, "127.0.0.1", () => {
      console.log(s.address().port); s.close(); });')
    log "nothing answers on $api_url: port-forwarding the Istio gateway to 127.0.0.1:$forward_port"
    start_group kubectl --context "$kube_context" -n istio-system port-forward svc/istio-ingressgateway \
      "$forward_port:80" >"$log_dir/port-forward.log" 2>&1
    forward_pid=$started
    api_url="http://127.0.0.1:$forward_port"
  fi
  # The backend route answers once Istio has programmed it.
  wait_ready "Istio gateway route to the backend" "$api_url/health" "${forward_pid:-$$}" "$log_dir/port-forward.log"
  public_url=$api_url
  eval_url=$api_url
fi

# --- Smoke test and evaluation.
smoke_json="$log_dir/smoke.json"
rm -f "$smoke_json"
# With API_TOKENS set, the backend wants a token: the smoke test and the summary's example use API_TOKEN, else the
# first of API_TOKENS.
api_token=${API_TOKEN:-}
if [ -z "$api_token" ] && [ -n "${API_TOKENS:-}" ]; then
  api_token=$(node -p 'process.env.API_TOKENS.split(",").map((token) => token.trim()).find(Boolean) ?? ""')
fi
if [ "$smoke" -eq 1 ]; then
  run_step "$log_dir/smoke.log" "smoke test: upload samples/astronaut.jpg, list its objects, fetch one" \
    env API_TOKEN="$api_token" \
    pnpm --silent --filter @detection/backend smoke -- --base-url "$api_url" --json "$smoke_json"
  sed 's/^/    /' "$log_dir/smoke.log"
fi

report_dir="$log_dir/evaluation"
# An earlier run's report must never pass for this run's figures.
rm -rf "$report_dir"
eval_note=''
if [ "$evaluate" -eq 0 ]; then
  eval_note='evaluation skipped (--no-eval)'
elif [ ! -d "$dataset" ]; then
  eval_note="evaluation skipped: no dataset at $(shown "$dataset")"
  log "$eval_note"
else
  run_step "$log_dir/evaluation.log" "evaluating the model server on $(shown "$dataset") (pnpm eval)" \
    pnpm --silent eval --dataset "$dataset" --url "$eval_url" --out "$report_dir"
  [ -s "$report_dir/report.json" ] ||
    die "the evaluation wrote no $(shown "$report_dir/report.json"); log: $(shown "$log_dir/evaluation.log")"
fi

verify_json="$log_dir/verify.json"
rm -f "$verify_json"
if [ "$mode" = kind ] && [ "$verify" -eq 1 ]; then
  run_step "$log_dir/verify.log" \
    "verifying the cluster: cold start through the activator (waits for scale to zero, 2-4 minutes), warm latency, security claims, gateway routes" \
    env GATEWAY_URL="$api_url" ./run_all_k8s.sh --verify --json "$verify_json"
  sed 's/^/    /' "$log_dir/verify.log"
fi

# --- Summary.
echo
log "the stack is up ($((SECONDS - started_at)) s)"
if [ "$mode" = local ]; then
  model_line="http://localhost:$model_port/v2   (Open Inference Protocol)"
else
  model_line="cluster-local, called by the backend (the URLs that reach it: below)"
fi
try_auth=''
[ -z "$api_token" ] || try_auth="-H 'Authorization: Bearer $api_token' "
cat <<EOF

  Web UI         $public_url/
  API            $public_url/images
  Swagger UI     $public_url/docs
  OpenAPI        $public_url/openapi.json
  Model server   $model_line
  Try            curl ${try_auth}-F file=@photo.jpg $public_url/images
EOF
if [ "$mode" = kind ]; then
  echo
  GATEWAY_URL="$public_url" ./run_all_k8s.sh --status 2>&1 | sed 's/^/  /' || true
fi
echo
if [ -s "$smoke_json" ]; then
  node -e 'const r = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
    const model = r.model.name + (r.model.version ? " v" + r.model.version : "");
    console.log("  Smoke image    " + require("node:path").relative(process.cwd(), r.image_path) + " → image " +
      r.image_id.slice(0, 12) + "… (" + r.width + "x" + r.height + "): " + r.count + " object(s) by " + model +
      " in " + r.upload_ms + " ms");
    for (const line of r.detection_lines) console.log("                   " + line);
    console.log("                 annotated: " + process.argv[2] + "/images/" + r.image_id + "/annotated");' \
    "$smoke_json" "$public_url"
else
  echo "  Smoke image    smoke test skipped (--no-smoke)"
fi
if [ -s "$report_dir/report.json" ]; then
  node -e 'const r = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
    const f = (v, digits) => (typeof v === "number" ? v.toFixed(digits) : "n/a");
    const c = r.coco ?? {}, m = r.matching ?? {}, l = r.latency_ms ?? {}, d = r.dataset ?? {}, e = r.endpoint ?? {};
    const model = e.model ? ", " + e.model + (e.model_version ? " v" + e.model_version : "") : "";
    console.log("  Evaluation     " + (d.images ?? "?") + " images, " + (d.annotations ?? "?") + " ground-truth objects" + model);
    console.log("                 mAP@[.5:.95] " + f(c.AP, 3) + "   AP50 " + f(c.AP50, 3) + "   AP75 " + f(c.AP75, 3));
    console.log("                 F1 " + f(m.f1, 3) + " (precision " + f(m.precision, 3) + ", recall " + f(m.recall, 3) +
      ") at score >= " + f(m.score_threshold, 2) + ", IoU >= " + f(m.iou_threshold, 2));
    console.log("  Latency        p50 " + f(l.p50, 1) + " ms   p95 " + f(l.p95, 1) + " ms   (" + (l.count ?? "?") +
      " requests to the model server)");
    console.log("  Report         " + process.argv[2] + "/" + ((r.files && r.files.html) || "report.html"));' \
    "$report_dir/report.json" "$(shown "$report_dir")"
else
  echo "  Evaluation     $eval_note"
fi
if [ -s "$verify_json" ]; then
  node -e 'const r = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
    console.log("  Cold start     " + r.cold_start.seconds.toFixed(1) + " s   (predictor at zero pods → one POST /detect answered, through the activator)");
    console.log("  Warm           p50 " + r.warm_ms.p50 + " ms   max " + r.warm_ms.max + " ms   (" + r.warm_ms.count + " requests through the gateway)");
    console.log("  Verify         " + r.passed + "/" + r.checks.length + " checks passed (" + process.argv[2] + ")");' \
    "$verify_json" "$(shown "$verify_json")"
elif [ "$mode" = kind ]; then
  echo "  Verify         skipped (--no-verify)"
fi
echo "  Logs           $(shown "$log_dir")/"
if [ "$mode" = local ] && [ "$storage_backend" = s3 ]; then
  echo "  Data           $(shown "$data_dir")/ (database); images in s3://${S3_BUCKET:-}/${S3_PREFIX:-}"
elif [ "$mode" = local ]; then
  echo "  Data           $(shown "$data_dir")/"
fi
echo

if [ "$once" -eq 1 ]; then
  log "every step passed; stopping (--once)"
  exit 0
fi

serving=1
if [ "$mode" = kind ]; then
  echo "  Following the predictor's pods (scale to zero and back). Ctrl-C stops this$([ -n "$forward_pid" ] && echo ' and the port-forward');"
  echo "  the cluster keeps running: ./run_all_k8s.sh --status, --verify; ./run_all_k8s.sh --clean removes it."
  start_group kubectl --context "$kube_context" -n detection get pods \
    -l serving.kserve.io/inferenceservice=detector --watch
  watch_pid=$started
  while running "$watch_pid" && { [ -z "$forward_pid" ] || running "$forward_pid"; }; do sleep 1; done
  die "kubectl stopped following the cluster (is it still running? kubectl --context $kube_context get nodes)"
fi
echo "  Ctrl-C stops everything."
# Plain polling rather than `wait -n`, which the bash 3.2 that macOS ships lacks.
while running "$model_pid" && running "$backend_pid"; do sleep 1; done
status=0
if running "$backend_pid"; then
  wait "$model_pid" || status=$?
  die "the model server stopped unexpectedly (exit $status); log: $(shown "$log_dir/model-server.log")"
fi
wait "$backend_pid" || status=$?
die "the backend stopped unexpectedly (exit $status); log: $(shown "$log_dir/backend.log")"
