import type { OpContext } from '../op-context.js';

/**
 * Translates one TensorFlow node into ONNX nodes and returns, for each TensorFlow output index,
 * the ONNX tensor that holds it.
 */
export type OpMapper = (ctx: OpContext) => string[];
