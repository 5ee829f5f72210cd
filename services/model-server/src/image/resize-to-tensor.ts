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
 * value range (0 maps to value_range[0], 255 to value_range[1]). Pure: no I/O, no native code.
 */
export function resizeToTensor(
  image: RgbImage,
  preprocessing: Pick<ImagePreprocessing, 'layout' | 'color_order' | 'value_range' | 'pad_value'>,
  plan: ResizePlan,
  sampling: SamplingOptions,
): Float32Array {
  const { inputWidth: width, inputHeight: height } = plan;
  const [low, high] = preprocessing.value_range;
  const scale = (high - low) / 255;
  const output = new Float32Array(width * height * 3);
  if (plan.contentWidth !== width || plan.contentHeight !== height) {
    output.fill(low + (preprocessing.pad_value ?? 0) * scale);
  }
  const rows = sampleAxis(plan.contentHeight, image.height, sampling);
  const columns = sampleAxis(plan.contentWidth, image.width, sampling);
  const nchw = preprocessing.layout === 'NCHW';
  const plane = width * height;
  // Output element offset of the R, G and B source channels.
  const [r, g, b] = preprocessing.color_order === 'RGB' ? [0, 1, 2] : [2, 1, 0];
  const channelStep = nchw ? plane : 1;
  const [offsetR, offsetG, offsetB] = [r * channelStep, g * channelStep, b * channelStep];
  const pixelStep = nchw ? 1 : 3;
  const pixels = image.pixels;
  const stride = image.width * 3;
  for (let y = 0; y < plan.contentHeight; y++) {
    const top = rows.low[y]! * stride;
    const bottom = rows.high[y]! * stride;
    const fy = rows.fraction[y]!;
    let out = ((y + plan.offsetY) * width + plan.offsetX) * pixelStep;
    for (let x = 0; x < plan.contentWidth; x++) {
      const left = columns.low[x]! * 3;
      const right = columns.high[x]! * 3;
      const fx = columns.fraction[x]!;
      for (let c = 0; c < 3; c++) {
        const topLeft = pixels[top + left + c]!;
        const topRight = pixels[top + right + c]!;
        const bottomLeft = pixels[bottom + left + c]!;
        const bottomRight = pixels[bottom + right + c]!;
        const upper = topLeft + (topRight - topLeft) * fx;
        const lower = bottomLeft + (bottomRight - bottomLeft) * fx;
        const value = low + (upper + (lower - upper) * fy) * scale;
        output[out + (c === 0 ? offsetR : c === 1 ? offsetG : offsetB)] = value;
      }
      out += pixelStep;
    }
  }
  return output;
}
