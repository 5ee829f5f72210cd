/** Production build: dist/index.js (the server) and dist/onnx-worker.js, run with `node dist/index.js`. */
import { bundle } from './bundle.js';

const started = performance.now();
const outputs = await bundle('dist');
console.log(`built ${outputs.join(', ')} in ${Math.round(performance.now() - started)} ms`);
