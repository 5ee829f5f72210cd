import { COCO_LABELS } from './coco-labels.js';
import type { ModelConfigInput } from './model-config.js';

export const SOURCE_PACKAGE = '@vladmandic/human';

/** A pretrained TensorFlow.js graph model shipped in the source package, and how we serve it. */
export interface CatalogEntry {
  /** model.json path inside the source package. */
  sourceFile: string;
  origin: string;
  license: string;
  config: Omit<ModelConfigInput, 'inputs' | 'outputs' | 'source' | 'build' | 'platform'>;
}

export const CATALOG: readonly CatalogEntry[] = [
  {
    sourceFile: 'models/centernet.json',
    origin:
      'MB3-CenterNet (CenterNet with a MobileNetV3 backbone, https://github.com/610265158/mobilenetv3_centernet) trained on COCO 2017; converted to TensorFlow.js by Vladimir Mandic for the Human library',
    license:
      'MIT, as redistributed in @vladmandic/human; the upstream training repository states no licence in the package',
    config: {
      name: 'centernet-coco',
      description: 'CenterNet / MobileNetV3 object detector, 80 COCO classes, 512x512 input',
      // The reference library stretches the whole frame to 512x512 with bilinear resampling.
      preprocessing: {
        width: 512,
        height: 512,
        layout: 'NHWC',
        color_order: 'RGB',
        value_range: [0, 255],
        resize: 'stretch',
        interpolation: 'bilinear',
      },
      postprocessing: { type: 'centernet', detections: 'tower_0/detections' },
      labels: [...COCO_LABELS],
      defaults: { score_threshold: 0.2, iou_threshold: 0.4, max_detections: 100 },
      // Batches of 2, not 4: onnxruntime's arena keeps what the largest batch needed, and batches of 4 took the
      // server's peak RSS from 370 to 530 MB for no throughput measured (model server README, issue 17).
      max_batch_size: 2,
      dynamic_batching: { max_queue_delay_ms: 2, preferred_batch_sizes: [2] },
    },
  },
  {
    sourceFile: 'models/blazeface.json',
    origin:
      'MediaPipe BlazeFace, full-range ("back camera") variant (https://github.com/google/mediapipe); converted to TensorFlow.js by Vladimir Mandic for the Human library',
    license: 'Apache-2.0 (MediaPipe model), redistributed under MIT by the Human library',
    config: {
      name: 'blazeface',
      description: 'BlazeFace face detector (MediaPipe, full-range), 256x256 input, 6 facial keypoints',
      preprocessing: {
        width: 256,
        height: 256,
        layout: 'NHWC',
        color_order: 'RGB',
        value_range: [-1, 1],
        resize: 'stretch',
        interpolation: 'bilinear',
      },
      // 16x16 cells x 2 anchors at stride 16, then 8x8 cells x 6 anchors at stride 32 (896 anchors).
      postprocessing: {
        type: 'blazeface',
        heads: [
          { scores: 'Identity', regressors: 'Identity_2', stride: 16, anchors_per_cell: 2 },
          { scores: 'Identity_1', regressors: 'Identity_3', stride: 32, anchors_per_cell: 6 },
        ],
        keypoint_names: [
          'right_eye',
          'left_eye',
          'nose_tip',
          'mouth_center',
          'right_ear_tragion',
          'left_ear_tragion',
        ],
      },
      labels: ['face'],
      // MediaPipe's own face-detection thresholds for this model.
      defaults: { score_threshold: 0.5, iou_threshold: 0.3, max_detections: 50 },
      // The graph batches exactly, but on the 2-core machine a batch cost more per image than single runs
      // (fastest of 10: 9.5 ms at batch 1, 11.4 at 2, 15.2 at 4), so the server does not join its requests.
      max_batch_size: 4,
    },
  },
];
