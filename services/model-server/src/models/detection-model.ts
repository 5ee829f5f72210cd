import type { ImagePreprocessing, ModelConfig } from '@detection/model/config';
import type { DetectionHead, HeadTensor } from '../detection/detection-head.js';
import { suppressOverlaps } from '../detection/nms.js';
import { toImageCoordinates } from '../detection/to-image-coordinates.js';
import { InferenceFailedError, InvalidInputError, ModelNotReadyError } from '../errors.js';
import { imageToTensor, inputDims } from '../image/image-to-tensor.js';
import type { InferRequest, InferTensor, TensorSpec } from '../inference/types.js';
import { type ModelRuntime, RuntimeUnavailableError } from '../runtime/model-runtime.js';
import type { ConcurrencyLimiter } from './concurrency-limiter.js';
import { type DetectionDefaults, detectionOptionsFrom } from './detection-parameters.js';
import type { InferResult, ServedModel } from './served-model.js';
import { matchOutputs, shapeMatches } from './tensor-checks.js';

export const IMAGE_INPUT = 'image';

const FALLBACK_DEFAULTS: DetectionDefaults = {
  score_threshold: 0.25,
  iou_threshold: 0.45,
  max_detections: 100,
};
const encoder = new TextEncoder();

export interface DetectionModelOptions {
  maxImagePixels: number;
}

/**
 * Encoded image in (`image`, BYTES [1]), detections out: `boxes` FP32 [N,4] (x1, y1, x2, y2 in the original
 * image's pixels after EXIF orientation), `scores` FP32 [N], `class_ids` INT32 [N], `labels` BYTES [N], and
 * `keypoints` FP32 [N,K,2] when the model has keypoints; sorted by score, highest first.
 */
export class DetectionModel implements ServedModel {
  readonly kind = 'detection';
  readonly inputs: readonly TensorSpec[] = [{ name: IMAGE_INPUT, datatype: 'BYTES', shape: [1] }];
  readonly outputs: readonly TensorSpec[];
  readonly properties: Readonly<Record<string, string>>;
  private readonly preprocessing: ImagePreprocessing;
  private readonly defaults: DetectionDefaults;
  private readonly inputName: string;

  constructor(
    readonly name: string,
    readonly version: string,
    config: ModelConfig,
    private readonly head: DetectionHead,
    private readonly runtime: ModelRuntime,
    private readonly limiter: ConcurrencyLimiter,
    private readonly options: DetectionModelOptions,
    rawModelName: string,
  ) {
    if (!config.preprocessing) throw new Error(`${config.name} has no preprocessing config`);
    this.preprocessing = config.preprocessing;
    this.defaults = config.defaults ?? FALLBACK_DEFAULTS;
    const imageInputs = runtime.inputs.filter((input) => input.datatype === 'FP32');
    if (runtime.inputs.length !== 1 || imageInputs.length !== 1) {
      throw new Error(`${config.name}: a detection model needs exactly one FP32 image input`);
    }
    const imageInput = imageInputs[0]!;
    this.inputName = imageInput.name;
    const dims = inputDims(this.preprocessing);
    if (!shapeMatches(dims, imageInput.shape)) {
      throw new Error(
        `${config.name}: preprocessing makes [${dims.join(', ')}] but input "${imageInput.name}" is [${imageInput.shape.join(', ')}]`,
      );
    }
    const keypoints = head.keypointNames.length;
    this.outputs = [
      { name: 'boxes', datatype: 'FP32', shape: [-1, 4] },
      { name: 'scores', datatype: 'FP32', shape: [-1] },
      { name: 'class_ids', datatype: 'INT32', shape: [-1] },
      { name: 'labels', datatype: 'BYTES', shape: [-1] },
      ...(keypoints > 0 ? [{ name: 'keypoints', datatype: 'FP32' as const, shape: [-1, keypoints, 2] }] : []),
    ];
    this.properties = {
      task: 'object-detection',
      postprocessing: head.type,
      classes: String(head.labels.length),
      default_nms: head.defaultNms,
      raw_tensor_model: rawModelName,
      ...(keypoints > 0 && { keypoint_names: head.keypointNames.join(',') }),
    };
  }

  async infer(request: InferRequest): Promise<InferResult> {
    const image = this.imageBytes(request);
    const options = detectionOptionsFrom(
      request.parameters,
      this.defaults,
      this.head.labels,
      this.head.defaultNms,
    );
    const wanted = matchOutputs(
      this.name,
      this.outputs.map((output) => output.name),
      request.outputs,
    );
    const slot = await this.limiter.acquire();
    try {
      const preprocessStarted = performance.now();
      const input = await imageToTensor(
        image,
        this.preprocessing,
        { maxPixels: this.options.maxImagePixels },
        (length) => new Float32Array(this.runtime.feedBuffer(length * Float32Array.BYTES_PER_ELEMENT)),
      );
      const inferenceStarted = performance.now();
      let run: Awaited<ReturnType<ModelRuntime['run']>>;
      try {
        run = await this.runtime.run(
          { [this.inputName]: { datatype: 'FP32', dims: input.dims, data: input.data } },
          this.head.outputs,
        );
      } catch (error) {
        if (error instanceof RuntimeUnavailableError) {
          throw new ModelNotReadyError(`model ${this.name} is not available: ${error.message}`);
        }
        throw new InferenceFailedError(`model ${this.name} failed to run`, { cause: error });
      }
      const postprocessStarted = performance.now();
      const tensors = new Map<string, HeadTensor>();
      for (const [name, tensor] of run.outputs)
        tensors.set(name, { data: tensor.data as Float32Array, dims: tensor.dims });
      const candidates = this.head.decode(tensors, options);
      const kept = suppressOverlaps(
        candidates,
        options.nms,
        options.iouThreshold,
        options.scoreThreshold,
        options.maxDetections,
      );
      const detections = toImageCoordinates(kept, input.plan, input.imageWidth, input.imageHeight);
      const outputs = this.outputTensors(detections, wanted);
      return {
        response: {
          modelName: this.name,
          modelVersion: this.version,
          ...(request.id !== undefined && { id: request.id }),
          parameters: { image_width: input.imageWidth, image_height: input.imageHeight },
          outputs,
        },
        timings: {
          queue: slot.waitedMs + run.queueMs,
          preprocess: inferenceStarted - preprocessStarted,
          inference: postprocessStarted - inferenceStarted - run.queueMs,
          postprocess: performance.now() - postprocessStarted,
          batchSize: run.batchSize ?? 1,
        },
      };
    } finally {
      slot.release();
    }
  }

  private imageBytes(request: InferRequest): Uint8Array {
    const [input, ...others] = request.inputs;
    if (!input || others.length > 0) {
      throw new InvalidInputError(
        `model ${this.name} takes exactly one input, "${IMAGE_INPUT}" (BYTES, shape [1]: one encoded JPEG, PNG or WebP); got ${request.inputs.length}`,
      );
    }
    if (input.name !== IMAGE_INPUT) {
      throw new InvalidInputError(
        `model ${this.name} has no input "${input.name}"; send the encoded image as input "${IMAGE_INPUT}" (or use ${this.properties.raw_tensor_model} for raw tensors)`,
      );
    }
    if (input.datatype !== 'BYTES') {
      throw new InvalidInputError(`input "${IMAGE_INPUT}" must be BYTES, got ${input.datatype}`);
    }
    if (input.shape.length !== 1 || input.shape[0] !== 1) {
      throw new InvalidInputError(
        `input "${IMAGE_INPUT}" must have shape [1] (one image), got [${input.shape.join(', ')}]`,
      );
    }
    return (input.data as Uint8Array[])[0]!;
  }

  private outputTensors(
    detections: ReturnType<typeof toImageCoordinates>,
    wanted: readonly string[],
  ): InferTensor[] {
    const count = detections.length;
    const keypointCount = this.head.keypointNames.length;
    const build = (name: string): InferTensor => {
      switch (name) {
        case 'boxes':
          return {
            name,
            datatype: 'FP32',
            shape: [count, 4],
            data: Float32Array.from(detections.flatMap((d) => [d.x1, d.y1, d.x2, d.y2])),
          };
        case 'scores':
          return {
            name,
            datatype: 'FP32',
            shape: [count],
            data: Float32Array.from(detections, (d) => d.score),
          };
        case 'class_ids':
          return {
            name,
            datatype: 'INT32',
            shape: [count],
            data: Int32Array.from(detections, (d) => d.classId),
          };
        case 'labels':
          return {
            name,
            datatype: 'BYTES',
            shape: [count],
            data: detections.map((d) => encoder.encode(this.head.labels[d.classId] ?? String(d.classId))),
          };
        default:
          return {
            name,
            datatype: 'FP32',
            shape: [count, keypointCount, 2],
            data: Float32Array.from(detections.flatMap((d) => d.keypoints ?? [])),
          };
      }
    };
    return wanted.map(build);
  }
}
