export { buildModel, buildRepository, MODEL_VERSION } from './build-repository.js';
export { CATALOG } from './catalog.js';
export { COCO_LABELS } from './coco-labels.js';
export * from './model-config.js';
export { DEFAULT_REPOSITORY_DIR, staleReason } from './repository-status.js';
