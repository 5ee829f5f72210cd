/**
 * The preprocessing section of `pnpm bench:model-server` (issue 17: ≤ 5 ms p50 per 640×480 JPEG): the server's
 * `imageToTensor` and its parts, and the options that were measured against them, all interleaved call by call
 * on the shipped 640×480 JPEGs so that the noise of the shared machine falls on every option alike:
 *
 * - the decode as the server does it (pixels tagged sRGB taken as they are) and as it did before (every embedded
 *   ICC profile converted to sRGB by libvips/lcms), and with libvips allowed 2 threads (`sharp.concurrency`);
 * - the resize to the 512² Float32 input in JavaScript (TensorFlow's arithmetic, what the server does) and in
 *   onnxruntime (Cast + Resize, linear, `asymmetric` = TensorFlow's `align_corners=false`), as it would run if
 *   resize and float conversion moved into the ONNX graph, with 1 and 2 intra-op threads, and how far its output
 *   is from TensorFlow's arithmetic.
 */
import os from 'node:os';
import type { ImagePreprocessing } from '@detection/model/config';
import { encodeOnnxModel, OnnxDataType } from '@detection/model/onnx';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { decodeImage } from '../src/image/decode-image.js';
import { imageToTensor } from '../src/image/image-to-tensor.js';
import { planResize, resizeToTensor } from '../src/image/resize-to-tensor.js';
import { sessionOptions } from '../src/runtime/session-options.js';

const MAX_PIXELS = 40_000_000;
const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

function p50(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(0.5 * sorted.length) - 1)]!;
}

/** The decode before the sRGB shortcut: every embedded profile converted to sRGB (libvips' default). */
async function decodeConvertingEveryProfile(bytes: Uint8Array): Promise<void> {
  await sharp(bytes, { limitInputPixels: false }).metadata();
  await sharp(bytes, {
    failOn: 'warning',
    limitInputPixels: MAX_PIXELS,
    autoOrient: true,
    sequentialRead: true,
  })
    .toColourspace('srgb')
    .removeAlpha()
    .raw()
    .toBuffer();
}

/** uint8 NHWC [1, H, W, 3] → Cast → Resize (linear, asymmetric) → FP32 [1, height, width, 3]. */
function resizeGraph(width: number, height: number): Uint8Array {
  return encodeOnnxModel({
    irVersion: 8,
    opsetVersion: 17,
    producerName: '@detection/model-server bench',
    producerVersion: '',
    metadata: {},
    graph: {
      name: 'resize',
      nodes: [
        {
          name: 'cast',
          opType: 'Cast',
          inputs: ['image'],
          outputs: ['pixels'],
          attributes: { to: { type: 'int', value: OnnxDataType.FLOAT } },
        },
        {
          name: 'resize',
          opType: 'Resize',
          inputs: ['pixels', '', '', 'sizes'],
          outputs: ['input'],
          attributes: {
            mode: { type: 'string', value: 'linear' },
            coordinate_transformation_mode: { type: 'string', value: 'asymmetric' },
          },
        },
      ],
      initializers: [
        {
          name: 'sizes',
          dataType: OnnxDataType.INT64,
          dims: [4],
          rawData: new Uint8Array(BigInt64Array.from([1n, BigInt(height), BigInt(width), 3n]).buffer),
        },
      ],
      inputs: [{ name: 'image', dataType: OnnxDataType.UINT8, shape: [1, null, null, 3] }],
      outputs: [{ name: 'input', dataType: OnnxDataType.FLOAT, shape: [1, height, width, 3] }],
      valueInfo: [],
    },
  });
}

export async function preprocessingOptionsSection(options: {
  preprocessing: ImagePreprocessing;
  photos: Uint8Array[];
  runs: number;
}) {
  const { preprocessing, photos } = options;
  if (preprocessing.resize !== 'stretch' || preprocessing.interpolation !== 'bilinear') {
    throw new Error('the preprocessing options are measured for a bilinear stretch (CenterNet)');
  }
  const loadAtStart = os.loadavg().map((l) => round(l));
  const decoded = await Promise.all(photos.map((photo) => decodeImage(photo, { maxPixels: MAX_PIXELS })));
  const graph = resizeGraph(preprocessing.width, preprocessing.height);
  // The server's session options; idle threads stop spinning when a run returns, leaving the cores to the next way.
  const spinningDuringRuns = (intraOpThreads: number) =>
    sessionOptions({ intraOpThreads, interOpThreads: 1, threadSpinning: 'during-run' });
  const resizeSessions = {
    1: await ort.InferenceSession.create(graph, spinningDuringRuns(1)),
    2: await ort.InferenceSession.create(graph, spinningDuringRuns(2)),
  };
  const sharpConcurrency = sharp.concurrency();
  // As in the server, the input tensor is written into a buffer an earlier request gave back (FeedBufferPool).
  let input: Float32Array | undefined;
  const reusedInput = (length: number) => {
    if (input?.length !== length) input = new Float32Array(length);
    return input;
  };
  let largestDifference = 0;
  const resizeInOnnxruntime = (threads: 1 | 2) => async (i: number) => {
    const image = decoded[i % decoded.length]!;
    const outputs = await resizeSessions[threads].run({
      image: new ort.Tensor('uint8', image.pixels, [1, image.height, image.width, 3]),
    });
    return outputs.input!.data as Float32Array;
  };
  const resizeInJavaScript = (i: number) => {
    const image = decoded[i % decoded.length]!;
    const plan = planResize(image.width, image.height, preprocessing);
    return resizeToTensor(
      image,
      preprocessing,
      plan,
      { interpolation: 'bilinear', halfPixelCenters: false },
      reusedInput,
    );
  };
  // Two groups, each interleaved call by call: onnxruntime's threads leave the cores cold (or busy) for the call
  // after a run, which would fall on whichever way follows them, so the resizes are compared among themselves.
  const groups: Array<Record<string, (i: number) => Promise<unknown> | unknown>> = [
    {
      image_to_tensor: (i) =>
        imageToTensor(photos[i % photos.length]!, preprocessing, { maxPixels: MAX_PIXELS }, reusedInput),
      decode: (i) => decodeImage(photos[i % photos.length]!, { maxPixels: MAX_PIXELS }),
      decode_converting_every_icc_profile: (i) => decodeConvertingEveryProfile(photos[i % photos.length]!),
      decode_sharp_concurrency_2: async (i) => {
        sharp.concurrency(2);
        try {
          await decodeImage(photos[i % photos.length]!, { maxPixels: MAX_PIXELS });
        } finally {
          sharp.concurrency(sharpConcurrency);
        }
      },
    },
    {
      resize_javascript: resizeInJavaScript,
      resize_onnxruntime_1_thread: resizeInOnnxruntime(1),
      resize_onnxruntime_2_threads: resizeInOnnxruntime(2),
    },
  ];
  const samples = new Map<string, number[]>(
    groups.flatMap((ways) => Object.keys(ways).map((name) => [name, []])),
  );
  try {
    for (const ways of groups) {
      for (let i = -4; i < options.runs; i++) {
        for (const [name, way] of Object.entries(ways)) {
          const started = performance.now();
          await way(i + 4);
          if (i >= 0) samples.get(name)!.push(performance.now() - started);
        }
      }
    }
    for (let i = 0; i < decoded.length; i++) {
      const javascript = resizeInJavaScript(i);
      const onnxruntime = await resizeInOnnxruntime(1)(i);
      for (let k = 0; k < javascript.length; k++) {
        largestDifference = Math.max(largestDifference, Math.abs(javascript[k]! - onnxruntime[k]!));
      }
    }
  } finally {
    await Promise.all(Object.values(resizeSessions).map((session) => session.release()));
  }
  const p50s = Object.fromEntries(
    [...samples].map(([name, values]) => [`${name}_p50_ms`, round(p50(values))]),
  );
  return {
    p50_ms: p50s.image_to_tensor_p50_ms!,
    ...p50s,
    decode_speedup_over_converting_every_icc_profile: round(
      p50(samples.get('decode_converting_every_icc_profile')!) / p50(samples.get('decode')!),
      3,
    ),
    resize_onnxruntime_1_thread_over_javascript: round(
      p50(samples.get('resize_onnxruntime_1_thread')!) / p50(samples.get('resize_javascript')!),
      3,
    ),
    resize_onnxruntime_max_abs_difference_from_tensorflow_arithmetic: largestDifference,
    sharp_concurrency_default: sharpConcurrency,
    photos: photos.length,
    load_average_at_start: loadAtStart,
    load_average_at_end: os.loadavg().map((l) => round(l)),
    method: `${options.runs} calls of each way after 4 warm-up rounds, interleaved call by call within two groups (the sharp/JavaScript ways; the resizes), on the ${photos.length} shipped 640×480 JPEGs round robin; image_to_tensor is the server's preprocessing (decode + resize + float conversion into a reused buffer, as the server does); the resizes start from decoded pixels; the difference is on the 0..255 scale of the model input`,
  };
}
