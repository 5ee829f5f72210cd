import { type ModelConfig, type Postprocessing, postprocessingOutputs } from '@detection/model/config';
import { blazefaceAnchors, decodeBlazeface } from './blazeface.js';
import { decodeCenternetRows } from './centernet.js';
import type { Detection, DetectionOptions, NmsMode } from './detection.js';
import { decodeYolo, resolveYoloLayout, type YoloLayout } from './yolo.js';

export interface HeadTensor {
  data: Float32Array;
  dims: readonly number[];
}

/** Turns a model's raw outputs into detection candidates (input pixels), as its config's postprocessing says. */
export interface DetectionHead {
  readonly type: Postprocessing['type'];
  /** The model outputs the head reads (all FP32). */
  readonly outputs: readonly string[];
  readonly labels: readonly string[];
  readonly keypointNames: readonly string[];
  /** NMS mode when the request does not choose one. */
  readonly defaultNms: NmsMode;
  decode(outputs: ReadonlyMap<string, HeadTensor>, options: DetectionOptions): Detection[];
}

function requireTensor(outputs: ReadonlyMap<string, HeadTensor>, name: string): HeadTensor {
  const tensor = outputs.get(name);
  if (!tensor) throw new Error(`the model did not return output "${name}"`);
  return tensor;
}

/** Builds the head for a detection config; throws an Error if the config is inconsistent with itself. */
export function createDetectionHead(config: ModelConfig): DetectionHead {
  const post = config.postprocessing;
  const preprocessing = config.preprocessing;
  if (!post || !preprocessing) throw new Error(`${config.name} has no pre- and post-processing config`);
  const declared = new Map(config.outputs.map((output) => [output.name, output]));
  const reads = postprocessingOutputs(post);
  for (const name of reads) {
    const output = declared.get(name);
    if (!output)
      throw new Error(`postprocessing reads output "${name}", which the model config does not list`);
    if (output.datatype !== 'FP32')
      throw new Error(`output "${name}" is ${output.datatype}, postprocessing needs FP32`);
  }
  switch (post.type) {
    case 'centernet': {
      const labels = config.labels ?? [];
      if (labels.length === 0) throw new Error('a centernet model needs its class labels in the config');
      return {
        type: post.type,
        outputs: reads,
        labels,
        keypointNames: [],
        // The graph's size head is class-agnostic: one centre peak yields the same box for several classes,
        // which only class-agnostic NMS removes (and it is what the reference library applies).
        defaultNms: 'class_agnostic',
        decode: (outputs, options) =>
          decodeCenternetRows(
            requireTensor(outputs, post.detections).data,
            labels.length,
            options.scoreThreshold,
            options.classIds,
          ),
      };
    }
    case 'blazeface': {
      const labels = config.labels?.length ? config.labels : ['face'];
      if (labels.length !== 1) throw new Error('a blazeface model detects one class; list one label');
      const anchors = blazefaceAnchors(
        preprocessing.width,
        preprocessing.height,
        post.heads.map((head) => ({ stride: head.stride, anchorsPerCell: head.anchors_per_cell })),
      );
      const keypointCount = post.keypoint_names.length;
      const rowLength = 4 + 2 * keypointCount;
      return {
        type: post.type,
        outputs: reads,
        labels,
        keypointNames: post.keypoint_names,
        defaultNms: 'class_agnostic',
        decode: (outputs, options) => {
          const logits = new Float32Array(anchors.length / 2);
          const regressors = new Float32Array((anchors.length / 2) * rowLength);
          let offset = 0;
          for (const head of post.heads) {
            const scores = requireTensor(outputs, head.scores).data;
            const rows = requireTensor(outputs, head.regressors).data;
            if (rows.length !== scores.length * rowLength || offset + scores.length > logits.length) {
              throw new Error(
                `blazeface outputs "${head.scores}"/"${head.regressors}" do not match the anchors`,
              );
            }
            logits.set(scores, offset);
            regressors.set(rows, offset * rowLength);
            offset += scores.length;
          }
          if (offset !== logits.length)
            throw new Error(`blazeface produced ${offset} anchors, expected ${logits.length}`);
          const found = decodeBlazeface(
            { logits, regressors, keypointCount },
            anchors,
            options.scoreThreshold,
          );
          return options.classIds && !options.classIds.has(0) ? [] : found;
        },
      };
    }
    case 'yolo': {
      const labelCount = config.labels?.length;
      const layouts = new Map<string, YoloLayout>();
      const layoutFor = (dims: readonly number[]) => {
        const key = dims.join('x');
        let layout = layouts.get(key);
        if (!layout) {
          layout = resolveYoloLayout(dims, post.version, post.layout, labelCount);
          layouts.set(key, layout);
        }
        return layout;
      };
      const outputShape = declared.get(post.output)!.shape;
      const staticShape = outputShape.every((d) => d > 0);
      if (staticShape) layoutFor(outputShape);
      else if (labelCount === undefined) {
        throw new Error(
          `yolo output "${post.output}" has a dynamic shape; list the class labels in the config`,
        );
      }
      const labels =
        config.labels ?? Array.from({ length: layoutFor(outputShape).classCount }, (_, i) => `class_${i}`);
      return {
        type: post.type,
        outputs: reads,
        labels,
        keypointNames: [],
        defaultNms: post.nms,
        decode: (outputs, options) => {
          const output = requireTensor(outputs, post.output);
          return decodeYolo(output.data, layoutFor(output.dims), {
            scoreThreshold: options.scoreThreshold,
            classIds: options.classIds,
            normalized: post.normalized_coordinates,
            inputWidth: preprocessing.width,
            inputHeight: preprocessing.height,
          });
        },
      };
    }
  }
}
