export { writeDataset } from './dataset-files.js';
export { iou } from './iou.js';
export {
  type Box,
  type Category,
  cocoCategories,
  type LabelledObject,
  readShippedPhoto,
  SHIPPED_DATASET_DIR,
  type ShippedPhoto,
  shippedPhoto,
  shippedPhotos,
} from './shipped-photos.js';
export { type ImageFormat, type TestImage, testImages } from './test-images.js';
