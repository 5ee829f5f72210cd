/**
 * `--help` of the benchmark: imported first by it, so usage is printed before anything else is loaded, built or run
 * (and no earlier result is overwritten).
 */
import { acceptOnlyHelp } from '@detection/model/bench-usage';

acceptOnlyHelp(`Usage: pnpm bench:model-server [--help]

Builds the model server (dist/), then measures the in-process pipeline, the bundle over loopback HTTP (binary
and JSON), cold starts, peak RSS, ORT thread counts, gRPC vs REST, session.run and preprocessing alone, and
dynamic batching on vs off at concurrency 1-16 on COCO photos. Takes several minutes; writes
bench/results/model-server.json at the repository root.

Environment: BENCH_MODEL (default centernet-coco), BENCH_LATENCY_REQUESTS (96), BENCH_THROUGHPUT_REQUESTS (128),
BENCH_COLD_STARTS (5), BENCH_ISSUE17_RUNS (40: session.run runs per batch size; preprocessing runs twice as many).`);
