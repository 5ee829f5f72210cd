import { existsSync, statSync } from 'node:fs';
import { findCocoInstances, loadCocoDataset } from './coco-dataset.js';
import { type Dataset, DatasetError, type DatasetFormat } from './dataset.js';
import { isYoloDataset, loadYoloDataset } from './yolo-dataset.js';

/** Reads a dataset folder in COCO format (preferred when both are present, since only it marks crowds) or YOLO. */
export async function loadDataset(root: string, format?: DatasetFormat): Promise<Dataset> {
  if (!existsSync(root) || !statSync(root).isDirectory())
    throw new DatasetError(`dataset folder ${root} does not exist`);
  const instances = findCocoInstances(root);
  if (format === 'coco' || (format === undefined && instances)) {
    if (!instances)
      throw new DatasetError(
        `no COCO instances file in ${root} (instances.json or annotations/instances*.json)`,
      );
    return loadCocoDataset(root, instances);
  }
  if (format === 'yolo' || isYoloDataset(root)) return loadYoloDataset(root);
  throw new DatasetError(
    `${root} is neither a COCO dataset (instances.json + images/) nor a YOLO one (images/, labels/, names.txt)`,
  );
}
