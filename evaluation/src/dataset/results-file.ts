import { readFile } from 'node:fs/promises';
import type { CocoResult } from '../metrics/coco-eval.js';
import type { Dataset } from './dataset.js';

export class ResultsFileError extends Error {
  override name = 'ResultsFileError';
}

const MAX_LISTED_PROBLEMS = 10;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const shown = (value: unknown) => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
};

/** What is wrong with one entry of a COCO results file, or null when it is a usable detection. */
function problemOf(entry: unknown, imageIds: Set<number>, categoryIds: Set<number>): string | null {
  if (!isRecord(entry)) return 'is not an object';
  const { image_id: imageId, category_id: categoryId, bbox, score } = entry;
  if (!Number.isInteger(imageId)) return 'image_id must be an integer';
  if (!imageIds.has(imageId as number)) return `image_id ${imageId} is not an image of the dataset`;
  if (!Number.isInteger(categoryId)) return 'category_id must be an integer';
  if (!categoryIds.has(categoryId as number))
    return `category_id ${categoryId} is not a category of the dataset`;
  if (!Array.isArray(bbox) || bbox.length !== 4) return 'bbox must be [x, y, width, height]';
  if (!bbox.every((value) => typeof value === 'number' && Number.isFinite(value)))
    return 'bbox must hold four finite numbers';
  if (bbox[2] < 0 || bbox[3] < 0) return 'bbox width and height must not be negative';
  if (typeof score !== 'number' || !Number.isFinite(score)) return 'score must be a number';
  if (score < 0 || score > 1) return `score ${score} is out of range (0 to 1)`;
  return null;
}

/**
 * Reads a COCO results file (a JSON array of `{image_id, category_id, bbox: [x, y, w, h], score}`; other fields,
 * such as `id` or `area`, are allowed and left out) for scoring against `dataset`. Every entry must refer to an
 * image and a category of the dataset, with a well-formed box and a score in [0, 1]; otherwise it fails naming
 * each bad entry by its position. Result ids are the 1-based positions, as the COCO API's loadRes numbers them.
 */
export async function readResultsFile(file: string, dataset: Dataset): Promise<CocoResult[]> {
  const text = await readFile(file, 'utf8').catch((error: Error) => {
    throw new ResultsFileError(`cannot read the detections file: ${error.message}`);
  });
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ResultsFileError(`${file} is not JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(raw))
    throw new ResultsFileError(
      `${file} is not a COCO results file: expected a JSON array of {image_id, category_id, bbox, score}, got ${
        isRecord(raw) ? `an object with keys ${Object.keys(raw).slice(0, 5).join(', ')}` : typeof raw
      }`,
    );
  const imageIds = new Set(dataset.images.map((image) => image.id));
  const categoryIds = new Set(dataset.categories.map((category) => category.id));
  const problems: string[] = [];
  let problemCount = 0;
  const results: CocoResult[] = [];
  for (const [index, entry] of raw.entries()) {
    const problem = problemOf(entry, imageIds, categoryIds);
    if (problem) {
      if (++problemCount <= MAX_LISTED_PROBLEMS)
        problems.push(`entry [${index}] ${shown(entry)}: ${problem}`);
      continue;
    }
    const { image_id, category_id, bbox, score } = entry as {
      image_id: number;
      category_id: number;
      bbox: [number, number, number, number];
      score: number;
    };
    results.push({ id: index + 1, imageId: image_id, categoryId: category_id, bbox: [...bbox], score });
  }
  if (problemCount > 0) {
    const more = problemCount - problems.length;
    throw new ResultsFileError(
      [
        `${file} has ${problemCount} invalid detection(s) of ${raw.length} (scored against ${dataset.root}):`,
        ...problems.map((problem) => `  ${problem}`),
        ...(more > 0 ? [`  ... and ${more} more`] : []),
      ].join('\n'),
    );
  }
  return results;
}
