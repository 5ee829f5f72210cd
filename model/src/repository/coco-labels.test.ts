import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { cocoCategories } from '@detection/test-data';
import { describe, expect, it } from 'vitest';
import { COCO_LABELS } from './coco-labels.js';
import { sourcePackageDir } from './source-package.js';

describe('COCO_LABELS', () => {
  it('Should list the classes in the order the reference library decodes CenterNet classes', async () => {
    const source = await readFile(
      path.join(sourcePackageDir('@vladmandic/human'), 'src/object/labels.ts'),
      'utf8',
    );
    const referenceLabels = [...source.matchAll(/label: '([^']+)'/g)].map((match) => match[1]);
    expect(referenceLabels).toEqual([...COCO_LABELS]);
  });

  it('Should match the category names of the COCO annotations, in category id order', () => {
    expect(cocoCategories.map((category) => category.name)).toEqual([...COCO_LABELS]);
  });
});
