# shellcheck shell=bash
# shellcheck disable=SC2153 # NAMESPACE, KUBE_CONTEXT and GATEWAY_URL are run_all_k8s.sh's
# `./run_all_k8s.sh --verify`: proves, from inside the Kind cluster, what the manifests claim, and measures the
# cold start through the Knative activator. Sourced by run_all_k8s.sh (which defines k, log, die, NAMESPACE,
# GATEWAY_URL). The functions that parse output and decide pass/fail take their input as arguments, so
# environments/test/kind-scripts.test.ts runs them without a cluster. Expected output: environments/README.md,
# "Verify".
#
# Order: cold start first (it needs the predictor at zero and must not be disturbed), then warm latency, then
# the security checks while a predictor pod exists (so that there is a pod IP to try in plain text and the
# activator is out of the path: see the known limit in environments/README.md, "Security model").

VERIFY_NAMESPACE=detection-verify
VERIFY_LABEL=app.kubernetes.io/name=detection-verify
PREDICTOR_SELECTOR=serving.kserve.io/inferenceservice=detector
MESH_URL=http://detector-predictor.detection.svc.cluster.local
BACKEND_SERVICE_URL=http://backend.detection.svc.cluster.local
VERIFY_IMAGE_FILE=samples/astronaut.jpg

# verify_classify <probe line>: what a probe's one-line result (environments/kind/http-probe.mjs) means:
# ok (2xx), denied (403 from Istio's RBAC filter), unreachable (no HTTP answer: reset, refused, timeout) or
# http-<status> for any other answer.
verify_classify() {
  local line=$1
  case "$line" in
    "HTTP 2"[0-9][0-9]" "* | "HTTP 2"[0-9][0-9]) echo ok ;;
    "HTTP 403 "*"RBAC: access denied"*) echo denied ;;
    "HTTP "[0-9][0-9][0-9]*) echo "http-$(printf '%s' "$line" | cut -d' ' -f2)" ;;
    "ERROR "*) echo unreachable ;;
    *) echo "unparsable" ;;
  esac
}

# verify_expect <expectation> <outcome>: whether an outcome satisfies an expectation. "blocked" is what a
# caller the mesh must keep out sees: no answer at all (STRICT mTLS resets plain text) or an RBAC denial.
verify_expect() {
  case "$1:$2" in
    ok:ok | denied:denied | blocked:denied | blocked:unreachable) return 0 ;;
    *) return 1 ;;
  esac
}

# verify_parse_timing "<curl -w '%{http_code} %{time_total}' output>": prints "<status> <seconds>" or fails.
verify_parse_timing() {
  local status seconds
  read -r status seconds <<<"$1" || true
  case "$status" in
    [0-9][0-9][0-9]) ;;
    *) return 1 ;;
  esac
  case "$seconds" in
    '' | *[!0-9.]* | *.*.*) return 1 ;;
  esac
  printf '%s %s\n' "$status" "$seconds"
}

# verify_percentiles <seconds>...: prints "<p50 ms> <max ms>" over the given durations in seconds.
verify_percentiles() {
  [ $# -gt 0 ] || return 1
  printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 * 1000 } END {
    mid = int((NR + 1) / 2); p50 = (NR % 2) ? v[mid] : (v[mid] + v[mid + 1]) / 2
    printf "%.0f %.0f\n", p50, v[NR] }'
}

# verify_count_lines <text>: the number of non-empty lines (pods listed by `kubectl get -o name`).
verify_count_lines() {
  printf '%s\n' "$1" | grep -c . || true
}

# verify_gateway_route <status> <content type> <body> <expectation>: decides a gateway check from curl's
# results. Expectations: html (the backend's web UI or Swagger UI page), json (a backend API answer, 200 or
# 401 when tokens are required) or not-predictor (anything but the predictor's Open Inference Protocol).
verify_gateway_route() {
  local status=$1 type=$2 body=$3 expectation=$4
  case "$expectation" in
    html) [ "$status" = 200 ] && [[ "$type" == text/html* ]] ;;
    json) { [ "$status" = 200 ] || [ "$status" = 401 ]; } && [[ "$type" == application/json* ]] ;;
    not-predictor) ! { [ "$status" = 200 ] && [[ "$body" == *'"platform"'* || "$body" == *'"inputs"'* ]]; } ;;
    *) return 1 ;;
  esac
}

# verify_pod_manifest <name> <namespace> <image> <sidecar: true|false>: a small pod that sleeps, from which
# the checks run their requests (the backend image: its Node.js runs http-probe.mjs; already on the node).
verify_pod_manifest() {
  local name=$1 namespace=$2 image=$3 sidecar=$4
  cat <<MANIFEST
apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  namespace: ${namespace}
  labels:
    app.kubernetes.io/name: detection-verify
  annotations:
    sidecar.istio.io/inject: "${sidecar}"
spec:
  restartPolicy: Never
  automountServiceAccountToken: false
  enableServiceLinks: false
  terminationGracePeriodSeconds: 2
  securityContext:
    runAsNonRoot: true
    runAsUser: 1000
    runAsGroup: 1000
    seccompProfile:
      type: RuntimeDefault
  containers:
    - name: probe
      image: ${image}
      imagePullPolicy: IfNotPresent
      command: ["sleep", "900"]
      resources:
        requests:
          cpu: 10m
          memory: 32Mi
        limits:
          cpu: 200m
          memory: 128Mi
      securityContext:
        allowPrivilegeEscalation: false
        readOnlyRootFilesystem: true
        capabilities:
          drop: ["ALL"]
MANIFEST
}

verify_results_file=''

# verify_record <name> <expectation> <observed> <detail>: one line of the report, printed and kept.
verify_record() {
  local name=$1 expectation=$2 observed=$3 detail=$4 verdict=FAIL
  if verify_expect "$expectation" "$observed"; then verdict=PASS; fi
  printf '  %-4s %s: %s (expected %s)%s\n' "$verdict" "$name" "$observed" "$expectation" "${detail:+ — $detail}"
  printf '%s\t%s\t%s\t%s\t%s\n' "$verdict" "$name" "$expectation" "$observed" "$detail" >>"$verify_results_file"
}

verify_predictor_pods() {
  k -n "$NAMESPACE" get pods -l "$PREDICTOR_SELECTOR" -o name 2>/dev/null || true
}

verify_wait_for_zero() {
  local timeout=${VERIFY_ZERO_TIMEOUT:-420} deadline count next_note
  deadline=$((SECONDS + timeout))
  next_note=$SECONDS
  while :; do
    count=$(verify_count_lines "$(verify_predictor_pods)")
    [ "$count" -eq 0 ] && return 0
    if [ "$SECONDS" -ge "$deadline" ]; then
      die "the predictor still has ${count} pod(s) after ${timeout}s; is something calling it? (kubectl --context ${KUBE_CONTEXT} -n ${NAMESPACE} get pods -l ${PREDICTOR_SELECTOR})"
    fi
    if [ "$SECONDS" -ge "$next_note" ]; then
      printf '  waiting for the predictor to scale to zero (%s pod(s); about 60-90 s after the last request, then draining)\n' "$count"
      next_note=$((SECONDS + 30))
    fi
    sleep 3
  done
}

# verify_timed_detect: one POST /detect of the sample photo through the gateway; prints "<status> <seconds>".
verify_timed_detect() {
  local output
  output=$(curl -sS -o /dev/null --max-time 300 -w '%{http_code} %{time_total}' \
    ${API_TOKEN:+-H "Authorization: Bearer ${API_TOKEN}"} \
    -F "file=@${VERIFY_IMAGE_FILE};type=image/jpeg" "${GATEWAY_URL}/detect") || output="000 0"
  verify_parse_timing "$output"
}

# verify_probe <pod> <namespace> <container> <url>: the probe's one line, from inside that pod.
verify_probe() {
  k -n "$2" exec -i "$1" -c "$3" -- node - "$4" <environments/kind/http-probe.mjs 2>&1 | tail -n 1
}

verify_check_from_pod() {
  local name=$1 expectation=$2 pod=$3 namespace=$4 container=$5 url=$6 line
  line=$(verify_probe "$pod" "$namespace" "$container" "$url")
  verify_record "$name" "$expectation" "$(verify_classify "$line")" "$url → ${line:0:90}"
}

verify_check_gateway() {
  local name=$1 expectation=$2 path=$3 host=${4:-} body status type
  body=$(mktemp)
  read -r status type < <(curl -sS -o "$body" --max-time 30 -w '%{http_code} %{content_type}\n' \
    ${host:+-H "Host: ${host}"} ${API_TOKEN:+-H "Authorization: Bearer ${API_TOKEN}"} "${GATEWAY_URL}${path}" ||
    echo "000 none")
  local observed=fail
  if verify_gateway_route "$status" "$type" "$(head -c 2000 "$body")" "$expectation"; then observed=ok; fi
  rm -f "$body"
  verify_record "$name" ok "$observed" "${host:+Host ${host}, }GET ${path} → ${status} ${type}"
}

verify_cleanup() {
  k delete namespace "$VERIFY_NAMESPACE" --ignore-not-found --wait=false >/dev/null 2>&1 || true
  k -n "$NAMESPACE" delete pod -l "$VERIFY_LABEL" --ignore-not-found --wait=false >/dev/null 2>&1 || true
}

# verify_main [--json FILE]
verify_main() {
  local json_file=''
  while [ $# -gt 0 ]; do
    case "$1" in
      --json)
        [ $# -ge 2 ] || die "--json needs a file"
        json_file=$2
        shift 2
        ;;
      *) die "unknown --verify option $1" ;;
    esac
  done
  command -v curl >/dev/null 2>&1 || die "curl is missing"
  k get namespace "$NAMESPACE" >/dev/null 2>&1 ||
    die "nothing is deployed in context ${KUBE_CONTEXT} (namespace ${NAMESPACE}): run ./run_all_k8s.sh first"
  local backend_image
  backend_image=$(k -n "$NAMESPACE" get deployment backend -o jsonpath='{.spec.template.spec.containers[0].image}')
  verify_results_file=$(mktemp)
  trap 'verify_cleanup; rm -f "$verify_results_file"' EXIT

  log "Cold start through the activator (${GATEWAY_URL}/detect with the predictor at zero)"
  verify_wait_for_zero
  local cold cold_status cold_seconds
  cold=$(verify_timed_detect) || die "could not time the request to ${GATEWAY_URL}/detect"
  read -r cold_status cold_seconds <<<"$cold"
  printf '  cold start: HTTP %s in %s s (0 predictor pods → response)\n' "$cold_status" "$cold_seconds"
  [ "$cold_status" = 200 ] || die "the cold request answered HTTP ${cold_status}, not 200"

  local warm=() sample status seconds
  for _ in 1 2 3 4 5; do
    sample=$(verify_timed_detect) || die "could not time a warm request"
    read -r status seconds <<<"$sample"
    [ "$status" = 200 ] || die "a warm request answered HTTP ${status}"
    warm+=("$seconds")
  done
  local warm_p50 warm_max
  read -r warm_p50 warm_max < <(verify_percentiles "${warm[@]}")
  printf '  warm: p50 %s ms, max %s ms over %s requests\n' "$warm_p50" "$warm_max" "${#warm[@]}"

  log "Security claims, from pods inside the cluster"
  k create namespace "$VERIFY_NAMESPACE" --dry-run=client -o yaml | k apply -f - >/dev/null
  k label namespace "$VERIFY_NAMESPACE" istio-injection=enabled --overwrite >/dev/null
  verify_pod_manifest verify-no-sidecar "$NAMESPACE" "$backend_image" false | k apply -f - >/dev/null
  verify_pod_manifest verify-sidecar "$VERIFY_NAMESPACE" "$backend_image" true | k apply -f - >/dev/null
  k -n "$NAMESPACE" wait --for=condition=Ready pod/verify-no-sidecar --timeout=120s >/dev/null
  k -n "$VERIFY_NAMESPACE" wait --for=condition=Ready pod/verify-sidecar --timeout=120s >/dev/null
  local predictor_ip
  predictor_ip=$(k -n "$NAMESPACE" get pods -l "$PREDICTOR_SELECTOR" \
    -o jsonpath='{range .items[?(@.status.phase=="Running")]}{.status.podIP}{"\n"}{end}' | head -n 1)
  [ -n "$predictor_ip" ] || die "no running predictor pod to check (it should be warm now)"

  verify_check_from_pod "no sidecar → predictor pod, queue-proxy port" blocked verify-no-sidecar "$NAMESPACE" probe \
    "http://${predictor_ip}:8012/v2/health/ready"
  verify_check_from_pod "no sidecar → predictor pod, model server port" blocked verify-no-sidecar "$NAMESPACE" probe \
    "http://${predictor_ip}:8080/v2/health/ready"
  verify_check_from_pod "no sidecar → predictor service" blocked verify-no-sidecar "$NAMESPACE" probe \
    "${MESH_URL}/v2/health/ready"
  verify_check_from_pod "no sidecar → backend" blocked verify-no-sidecar "$NAMESPACE" probe \
    "${BACKEND_SERVICE_URL}/health"
  verify_check_from_pod "sidecar in ${VERIFY_NAMESPACE} → predictor" denied verify-sidecar "$VERIFY_NAMESPACE" probe \
    "${MESH_URL}/v2/health/ready"
  verify_check_from_pod "sidecar in ${VERIFY_NAMESPACE} → backend" denied verify-sidecar "$VERIFY_NAMESPACE" probe \
    "${BACKEND_SERVICE_URL}/health"
  verify_check_from_pod "backend → predictor (the URL k8s status prints)" ok "deploy/backend" "$NAMESPACE" backend \
    "${MESH_URL}/v2/health/ready"

  log "Routes of the Istio gateway (${GATEWAY_URL})"
  verify_check_gateway "gateway / → backend web UI" html /
  verify_check_gateway "gateway /images → backend API" json /images
  verify_check_gateway "gateway /docs → backend Swagger UI" html /docs
  verify_check_gateway "gateway, predictor host → not the predictor" not-predictor /v2/models/centernet-coco \
    detector.detection.example.com
  verify_check_gateway "gateway, predictor revision host → not the predictor" not-predictor /v2/models/centernet-coco \
    detector-predictor.detection.example.com
  verify_check_gateway "gateway, cluster-local host → not the predictor" not-predictor /v2/models/centernet-coco \
    detector-predictor.detection.svc.cluster.local

  local failed
  failed=$(grep -c '^FAIL' "$verify_results_file" || true)
  if [ -n "$json_file" ]; then
    node environments/kind/verify-report.mjs "$verify_results_file" "$cold_status" "$cold_seconds" \
      "$warm_p50" "$warm_max" "${#warm[@]}" >"$json_file"
  fi
  if [ "$failed" -gt 0 ]; then
    die "${failed} check(s) failed (see above)"
  fi
  log "Every check passed; cold start ${cold_seconds} s, warm p50 ${warm_p50} ms"
}
