// The JSON report of `run_all_k8s.sh --verify --json FILE`, from the checks it recorded (tab-separated:
// verdict, name, expectation, observed, detail) and its timings; read by run_all.sh's summary.
//   node verify-report.mjs <checks.tsv> <cold status> <cold seconds> <warm p50 ms> <warm max ms> <warm count>
import fs from 'node:fs';

const [file, coldStatus, coldSeconds, warmP50, warmMax, warmCount] = process.argv.slice(2);
const checks = fs
  .readFileSync(file, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => {
    const [verdict, name, expected, observed, detail] = line.split('\t');
    return { name, passed: verdict === 'PASS', expected, observed, detail };
  });
const report = {
  checks,
  passed: checks.filter((check) => check.passed).length,
  failed: checks.filter((check) => !check.passed).length,
  cold_start: { status: Number(coldStatus), seconds: Number(coldSeconds) },
  warm_ms: { p50: Number(warmP50), max: Number(warmMax), count: Number(warmCount) },
};
console.log(JSON.stringify(report, null, 2));
