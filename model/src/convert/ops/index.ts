import { activationMappers } from './activation.js';
import { concatMappers } from './concat.js';
import { convolutionMappers } from './convolution.js';
import { elementwiseMappers } from './elementwise.js';
import { gatherMappers } from './gather.js';
import type { OpMapper } from './op-mapper.js';
import { padMappers } from './pad.js';
import { poolingMappers } from './pooling.js';
import { reductionMappers } from './reduction.js';
import { resizeMappers } from './resize.js';
import { shapeMappers } from './shape.js';
import { sliceMappers } from './slice.js';
import { topKMappers } from './top-k.js';

/** Every TensorFlow op the converter translates, by op name. */
export const opMappers: Readonly<Record<string, OpMapper>> = {
  ...activationMappers,
  ...concatMappers,
  ...convolutionMappers,
  ...elementwiseMappers,
  ...gatherMappers,
  ...padMappers,
  ...poolingMappers,
  ...reductionMappers,
  ...resizeMappers,
  ...shapeMappers,
  ...sliceMappers,
  ...topKMappers,
};
