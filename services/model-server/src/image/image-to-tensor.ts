import type { ImagePreprocessing } from '@detection/model/config';
import { decodeImage } from './decode-image.js';
import { planResize, type ResizePlan, resizeToTensor } from './resize-to-tensor.js';

export interface ImageTensor {
  data: Float32Array;
  dims: number[];
  plan: ResizePlan;
  /** The image's size after EXIF orientation: the coordinate space of returned boxes. */
  imageWidth: number;
  imageHeight: number;
}

/**
 * Encoded image → model input, as the model config describes: decode (sharp), resize (stretch with
 * TensorFlow's bilinear arithmetic like the reference library, or letterbox with pixel-centre alignment),
 * colour order, value range and layout. Cubic interpolation is delegated to libvips.
 */
export async function imageToTensor(
  bytes: Uint8Array,
  preprocessing: ImagePreprocessing,
  limits: { maxPixels: number },
): Promise<ImageTensor> {
  const cubicResize =
    preprocessing.interpolation === 'cubic'
      ? (width: number, height: number) => {
          const plan = planResize(width, height, preprocessing);
          return { width: plan.contentWidth, height: plan.contentHeight };
        }
      : undefined;
  const image = await decodeImage(bytes, {
    maxPixels: limits.maxPixels,
    ...(cubicResize && { cubicResize }),
  });
  const plan = planResize(image.originalWidth, image.originalHeight, preprocessing);
  const data = resizeToTensor(image, preprocessing, plan, {
    interpolation: preprocessing.interpolation === 'nearest' ? 'nearest' : 'bilinear',
    halfPixelCenters: preprocessing.resize === 'letterbox',
  });
  const { width, height } = preprocessing;
  return {
    data,
    dims: preprocessing.layout === 'NHWC' ? [1, height, width, 3] : [1, 3, height, width],
    plan,
    imageWidth: image.originalWidth,
    imageHeight: image.originalHeight,
  };
}
