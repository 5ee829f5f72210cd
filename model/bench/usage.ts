/**
 * `--help` of the benchmark: imported first by it, so usage is printed before anything else is loaded, built or run
 * (and no earlier result is overwritten).
 */
import { acceptOnlyHelp } from './bench-usage.js';

acceptOnlyHelp(`Usage: pnpm bench:model [--help]

Times the TensorFlow.js graphs (tfjs-wasm) against the converted ONNX models (onnxruntime-node) on the same
COCO photos in one process, and how closely their outputs agree. Takes a few minutes; writes
bench/results/model.json at the repository root (the figures in model/README.md come from it).`);
