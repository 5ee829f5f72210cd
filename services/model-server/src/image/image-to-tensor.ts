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

/** The model input's dims: [1, height, width, 3] for NHWC, [1, 3, height, width] for NCHW. */
export function inputDims({
  width,
  height,
  layout,
}: Pick<ImagePreprocessing, 'width' | 'height' | 'layout'>): number[] {
  return layout === 'NHWC' ? [1, height, width, 3] : [1, 3, height, width];
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
  allocate?: (length: number) => Float32Array,
): Promise<ImageTensor> {
  // decodeImage calls cubicResize with the oriented image size, the size the plan below is made for.
  let cubicPlan: ResizePlan | undefined;
  const cubicResize =
    preprocessing.interpolation === 'cubic'
      ? (width: number, height: number) => {
          cubicPlan = planResize(width, height, preprocessing);
          return { width: cubicPlan.contentWidth, height: cubicPlan.contentHeight };
        }
      : undefined;
  const image = await decodeImage(bytes, {
    maxPixels: limits.maxPixels,
    ...(cubicResize && { cubicResize }),
  });
  const plan = cubicPlan ?? planResize(image.originalWidth, image.originalHeight, preprocessing);
  const data = resizeToTensor(
    image,
    preprocessing,
    plan,
    {
      interpolation: preprocessing.interpolation === 'nearest' ? 'nearest' : 'bilinear',
      halfPixelCenters: preprocessing.resize === 'letterbox',
    },
    allocate,
  );
  return {
    data,
    dims: inputDims(preprocessing),
    plan,
    imageWidth: image.originalWidth,
    imageHeight: image.originalHeight,
  };
}
