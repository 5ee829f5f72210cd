import type { ImagePreprocessing } from '@detection/model/config';
import type { RgbImage } from './rgb-image.js';

/** Where the source image lands inside the model's input tensor. */
export interface ResizePlan {
  inputWidth: number;
  inputHeight: number;
  /** Input-tensor pixels per source pixel. */
  scaleX: number;
  scaleY: number;
  /** Top-left corner of the image content inside the input (non-zero only for letterbox bars). */
  offsetX: number;
  offsetY: number;
  contentWidth: number;
  contentHeight: number;
}

/**
 * stretch: the whole image is resized to the input size, ignoring aspect ratio (the reference library's
 * CenterNet and BlazeFace pipelines). letterbox: scaled to fit, centred, bars filled with `pad_value`
 * (Ultralytics' convention: the odd pixel of padding goes to the right/bottom).
 */
export function planResize(
  sourceWidth: number,
  sourceHeight: number,
  preprocessing: Pick<ImagePreprocessing, 'width' | 'height' | 'resize'>,
): ResizePlan {
  const { width, height } = preprocessing;
  if (preprocessing.resize === 'stretch') {
    return {
      inputWidth: width,
      inputHeight: height,
      scaleX: width / sourceWidth,
      scaleY: height / sourceHeight,
      offsetX: 0,
      offsetY: 0,
      contentWidth: width,
      contentHeight: height,
    };
  }
  const gain = Math.min(width / sourceWidth, height / sourceHeight);
  const contentWidth = Math.min(width, Math.max(1, Math.round(sourceWidth * gain)));
  const contentHeight = Math.min(height, Math.max(1, Math.round(sourceHeight * gain)));
  return {
    inputWidth: width,
    inputHeight: height,
    scaleX: contentWidth / sourceWidth,
    scaleY: contentHeight / sourceHeight,
    offsetX: Math.floor((width - contentWidth) / 2),
    offsetY: Math.floor((height - contentHeight) / 2),
    contentWidth,
    contentHeight,
  };
}

export function inputToSourceX(plan: ResizePlan, x: number): number {
  return (x - plan.offsetX) / plan.scaleX;
}

export function inputToSourceY(plan: ResizePlan, y: number): number {
  return (y - plan.offsetY) / plan.scaleY;
}

export interface SamplingOptions {
  interpolation: 'bilinear' | 'nearest';
  /**
   * false: TensorFlow's legacy `resize_bilinear` / `resize_nearest_neighbor` (align_corners=false,
   * half_pixel_centers=false), which the reference library uses; true: pixel-centre alignment as in
   * OpenCV's `INTER_LINEAR` (Ultralytics' letterbox).
   */
  halfPixelCenters: boolean;
}

interface AxisSamples {
  low: Int32Array;
  high: Int32Array;
  fraction: Float64Array;
}

function sampleAxis(outputSize: number, inputSize: number, options: SamplingOptions): AxisSamples {
  const low = new Int32Array(outputSize);
  const high = new Int32Array(outputSize);
  const fraction = new Float64Array(outputSize);
  const ratio = inputSize / outputSize;
  for (let i = 0; i < outputSize; i++) {
    if (options.interpolation === 'nearest') {
      const source = options.halfPixelCenters ? ratio * (i + 0.5) : ratio * i;
      const index = Math.min(inputSize - 1, Math.floor(source));
      low[i] = index;
      high[i] = index;
      continue;
    }
    // Same arithmetic as TensorFlow.js's CPU ResizeBilinear kernel.
    const source = options.halfPixelCenters ? ratio * (i + 0.5) - 0.5 : ratio * i;
    const floor = Math.max(0, Math.floor(source));
    low[i] = floor;
    high[i] = Math.min(inputSize - 1, Math.ceil(source));
    fraction[i] = source - floor;
  }
  return { low, high, fraction };
}

/**
 * Resamples `image` into the model's input tensor following `plan` and the config's layout, colour order and
 * value range (0 maps to value_range[0], 255 to value_range[1]), into a Float32Array from `allocate` (which may
 * hold old values). Pure: no I/O, no native code.
 */
export function resizeToTensor(
  image: RgbImage,
  preprocessing: Pick<ImagePreprocessing, 'layout' | 'color_order' | 'value_range' | 'pad_value'>,
  plan: ResizePlan,
  sampling: SamplingOptions,
  allocate: (length: number) => Float32Array = (length) => new Float32Array(length),
): Float32Array {
  const { inputWidth: width, inputHeight: height } = plan;
  const [low, high] = preprocessing.value_range;
  const scale = (high - low) / 255;
  // Every element is written below: the pad first, if any, then the content.
  const output = allocate(width * height * 3);
  if (plan.contentWidth !== width || plan.contentHeight !== height) {
    output.fill(low + (preprocessing.pad_value ?? 0) * scale);
  }
  const rows = sampleAxis(plan.contentHeight, image.height, sampling);
  const columns = sampleAxis(plan.contentWidth, image.width, sampling);
  const left = columns.low.map((x) => x * 3);
  const right = columns.high.map((x) => x * 3);
  const nchw = preprocessing.layout === 'NCHW';
  const channelStep = nchw ? width * height : 1;
  const pixelStep = nchw ? 1 : 3;
  // Output offsets of the source's R, G and B channels.
  const [offsetR, offsetG, offsetB] =
    preprocessing.color_order === 'RGB'
      ? [0, channelStep, 2 * channelStep]
      : [2 * channelStep, channelStep, 0];
  const pixels = image.pixels;
  const stride = image.width * 3;
  for (let y = 0; y < plan.contentHeight; y++) {
    const top = (rows.low[y] as number) * stride;
    const bottom = (rows.high[y] as number) * stride;
    const fy = rows.fraction[y] as number;
    let out = ((y + plan.offsetY) * width + plan.offsetX) * pixelStep;
    for (let x = 0; x < plan.contentWidth; x++) {
      const fx = columns.fraction[x] as number;
      const topLeft = top + (left[x] as number);
      const topRight = top + (right[x] as number);
      const bottomLeft = bottom + (left[x] as number);
      const bottomRight = bottom + (right[x] as number);
      // Same arithmetic as TensorFlow.js: along x on both rows, then along y; channels unrolled for speed.
      let a = pixels[topLeft] as number;
      let upper = a + ((pixels[topRight] as number) - a) * fx;
      let b = pixels[bottomLeft] as number;
      let lower = b + ((pixels[bottomRight] as number) - b) * fx;
      output[out + offsetR] = low + (upper + (lower - upper) * fy) * scale;
      a = pixels[topLeft + 1] as number;
      upper = a + ((pixels[topRight + 1] as number) - a) * fx;
      b = pixels[bottomLeft + 1] as number;
      lower = b + ((pixels[bottomRight + 1] as number) - b) * fx;
      output[out + offsetG] = low + (upper + (lower - upper) * fy) * scale;
      a = pixels[topLeft + 2] as number;
      upper = a + ((pixels[topRight + 2] as number) - a) * fx;
      b = pixels[bottomLeft + 2] as number;
      lower = b + ((pixels[bottomRight + 2] as number) - b) * fx;
      output[out + offsetB] = low + (upper + (lower - upper) * fy) * scale;
      out += pixelStep;
    }
  }
  return output;
}
