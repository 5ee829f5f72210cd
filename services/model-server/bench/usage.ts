/**
 * `--help` of the benchmark: imported first by it, so usage is printed before anything else is loaded, built or run
 * (and no earlier result is overwritten).
 */
import { acceptOnlyHelp } from '@detection/model/bench-usage';

acceptOnlyHelp(`Usage: pnpm bench:model-server [--help]

Builds the model server (dist/), then measures the in-process pipeline, the bundle over loopback HTTP (binary
and JSON), cold starts, peak RSS and ORT thread counts on COCO photos. Takes several minutes; writes
bench/results/model-server.json at the repository root.

Environment: BENCH_MODEL (default centernet-coco), BENCH_LATENCY_REQUESTS (64), BENCH_THROUGHPUT_REQUESTS (64),
BENCH_COLD_STARTS (5).`);
