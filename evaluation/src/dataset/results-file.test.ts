import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from './dataset.js';
import { ResultsFileError, readResultsFile } from './results-file.js';

const dataset: Dataset = {
  root: '/data/sample',
  format: 'coco',
  images: [
    { id: 9, fileName: 'a.jpg', path: '/data/sample/images/a.jpg', width: 100, height: 100 },
    { id: 25, fileName: 'b.jpg', path: '/data/sample/images/b.jpg', width: 100, height: 100 },
  ],
  annotations: [],
  categories: [
    { id: 1, name: 'person' },
    { id: 18, name: 'dog' },
  ],
};

describe('readResultsFile (a COCO results file checked against the dataset)', () => {
  let dir: string;
  let n = 0;
  const file = async (content: unknown) => {
    const name = path.join(dir, `results-${n++}.json`);
    await writeFile(name, typeof content === 'string' ? content : JSON.stringify(content));
    return name;
  };
  const good = { image_id: 9, category_id: 1, bbox: [1, 2, 30, 40], score: 0.9 };
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'results-file-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('Should read any tool’s results in file order, ids by position, extra fields left out', async () => {
    const results = await readResultsFile(
      await file([
        good,
        { id: 77, image_id: 25, category_id: 18, bbox: [0, 0, 0, 5], score: 0, area: 0, segmentation: [] },
        { image_id: 9, category_id: 18, bbox: [5.5, 6.25, 10, 10], score: 1 },
      ]),
      dataset,
    );
    expect(results).toEqual([
      { id: 1, imageId: 9, categoryId: 1, bbox: [1, 2, 30, 40], score: 0.9 },
      { id: 2, imageId: 25, categoryId: 18, bbox: [0, 0, 0, 5], score: 0 },
      { id: 3, imageId: 9, categoryId: 18, bbox: [5.5, 6.25, 10, 10], score: 1 },
    ]);
    expect(await readResultsFile(await file([]), dataset)).toEqual([]);
  });

  it('Should name every bad entry by its position and say what is wrong with it', async () => {
    const name = await file([
      good,
      { ...good, image_id: 404 },
      { ...good, category_id: 99 },
      { ...good, bbox: [1, 2, 3] },
      { ...good, bbox: [1, 2, -3, 4] },
      { ...good, bbox: [1, '2', 3, 4] },
      { ...good, score: 1.5 },
      { ...good, score: -0.1 },
      { ...good, score: '0.5' },
      { ...good, image_id: '9' },
      7,
    ]);
    const error = await readResultsFile(name, dataset).catch((caught: unknown) => caught as Error);
    expect(error).toBeInstanceOf(ResultsFileError);
    const lines = (error as Error).message.split('\n');
    expect(lines[0]).toBe(`${name} has 10 invalid detection(s) of 11 (scored against /data/sample):`);
    expect(lines.slice(1)).toEqual([
      '  entry [1] {"image_id":404,"category_id":1,"bbox":[1,2,30,40],"score":0.9}: image_id 404 is not an image of the dataset',
      '  entry [2] {"image_id":9,"category_id":99,"bbox":[1,2,30,40],"score":0.9}: category_id 99 is not a category of the dataset',
      '  entry [3] {"image_id":9,"category_id":1,"bbox":[1,2,3],"score":0.9}: bbox must be [x, y, width, height]',
      '  entry [4] {"image_id":9,"category_id":1,"bbox":[1,2,-3,4],"score":0.9}: bbox width and height must not be negative',
      '  entry [5] {"image_id":9,"category_id":1,"bbox":[1,"2",3,4],"score":0.9}: bbox must hold four finite numbers',
      '  entry [6] {"image_id":9,"category_id":1,"bbox":[1,2,30,40],"score":1.5}: score 1.5 is out of range (0 to 1)',
      '  entry [7] {"image_id":9,"category_id":1,"bbox":[1,2,30,40],"score":-0.1}: score -0.1 is out of range (0 to 1)',
      '  entry [8] {"image_id":9,"category_id":1,"bbox":[1,2,30,40],"score":"0.5"}: score must be a number',
      '  entry [9] {"image_id":"9","category_id":1,"bbox":[1,2,30,40],"score":0.9}: image_id must be an integer',
      '  entry [10] 7: is not an object',
    ]);
  });

  it('Should list ten problems and count the rest', async () => {
    const name = await file(Array.from({ length: 25 }, (_, i) => ({ ...good, image_id: 1000 + i })));
    const message = await readResultsFile(name, dataset).catch((caught: Error) => caught.message);
    expect(message).toContain('has 25 invalid detection(s) of 25');
    expect(message).toContain('entry [9] ');
    expect(message).not.toContain('entry [10] ');
    expect(message).toMatch(/\.\.\. and 15 more$/);
  });

  it('Should refuse a file that is not JSON, or not an array', async () => {
    await expect(readResultsFile(await file('[{"image_id": 9,'), dataset)).rejects.toThrow(
      /results-\d+\.json is not JSON: /,
    );
    await expect(readResultsFile(await file({ images: [], annotations: [] }), dataset)).rejects.toThrow(
      /is not a COCO results file: expected a JSON array of \{image_id, category_id, bbox, score\}, got an object with keys images, annotations/,
    );
    await expect(readResultsFile(path.join(dir, 'missing.json'), dataset)).rejects.toThrow(
      /cannot read the detections file: ENOENT: no such file or directory, open '.*missing\.json'/,
    );
  });
});
