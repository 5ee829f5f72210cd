/**
 * `--help` of the benchmark: imported first by it, so usage is printed before anything else is loaded, built or run
 * (and no earlier result is overwritten).
 */
import { acceptOnlyHelp } from '@detection/model/bench-usage';

acceptOnlyHelp(`Usage: pnpm bench:backend [--help]

Builds the backend bundle, starts the real model server and the bundled backend on 127.0.0.1, and measures
POST /images with 640x480 COCO photos at concurrency 1, 4 and 16 (latency, throughput, the backend's own
overhead from Server-Timing). Takes a few minutes; writes bench/results/backend.json at the repository root.`);
