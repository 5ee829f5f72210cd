// One HTTP GET from inside a pod, for `run_all_k8s.sh --verify`: runs with the Node.js of the backend image,
// sent on stdin (`kubectl exec -i <pod> -- node - <url>`), and prints exactly one line:
//   HTTP <status> <first 160 characters of the body on one line>
//   ERROR <code> <message>            (no HTTP answer: connection refused or reset, timeout, DNS)
const url = process.argv[2];
if (!url) {
  console.log('ERROR USAGE node - <url>');
  process.exit(2);
}
try {
  const response = await fetch(url, {
    signal: AbortSignal.timeout(Number(process.env.PROBE_TIMEOUT_MS ?? 10_000)),
  });
  const body = (await response.text()).replace(/\s+/g, ' ').trim().slice(0, 160);
  console.log(`HTTP ${response.status} ${body}`);
} catch (error) {
  const cause = error?.cause ?? error;
  const code = cause?.code ?? cause?.name ?? 'UNKNOWN';
  console.log(`ERROR ${code} ${String(cause?.message ?? error).replace(/\s+/g, ' ')}`);
}
