import { clampParallelUploads, PARALLEL_UPLOADS } from './upload-queue.js';

/** What the Settings panel holds: sent with every upload and re-run, except `parallelUploads`. */
export interface DetectSettings {
  /** Model name; '' = the backend's default model. */
  model: string;
  /** The score threshold sent to the model; null = the model's own default. */
  scoreThreshold: number | null;
  /** Batch uploads in flight at once. */
  parallelUploads: number;
}

export const DEFAULT_SETTINGS: DetectSettings = {
  model: '',
  scoreThreshold: null,
  parallelUploads: PARALLEL_UPLOADS.default,
};

export const SETTINGS_STORAGE_KEY = 'detection.settings';

/** Thresholds the settings offer to send to the model, 5 % to 95 %. */
export const MODEL_THRESHOLDS = Array.from({ length: 19 }, (_, index) => Math.round((index + 1) * 5) / 100);

/** Reads saved settings, keeping only valid values (anything else falls back to the default). */
export function parseSettings(saved: string | null): DetectSettings {
  let value: Record<string, unknown> = {};
  try {
    const parsed: unknown = saved ? JSON.parse(saved) : {};
    if (typeof parsed === 'object' && parsed !== null) value = parsed as Record<string, unknown>;
  } catch {
    // not JSON: defaults
  }
  const threshold = value.scoreThreshold;
  return {
    model: typeof value.model === 'string' && /^[A-Za-z0-9_.-]{0,128}$/.test(value.model) ? value.model : '',
    scoreThreshold:
      typeof threshold === 'number' && threshold > 0 && threshold < 1
        ? threshold
        : DEFAULT_SETTINGS.scoreThreshold,
    parallelUploads:
      typeof value.parallelUploads === 'number'
        ? clampParallelUploads(value.parallelUploads)
        : DEFAULT_SETTINGS.parallelUploads,
  };
}
