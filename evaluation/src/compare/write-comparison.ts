import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileHref } from '../report/html/page.js';
import type { Comparison, ImageComparison } from './compare-reports.js';
import { renderComparisonHtml } from './comparison-page.js';
import type { ReportFile } from './read-report.js';

export const COMPARISON_FILES = { json: 'comparison.json', html: 'comparison.html' } as const;

/**
 * Writes comparison.json and comparison.html into `outDir`; the page links each run's annotated images where they
 * are, relative to it.
 */
export async function writeComparison(
  outDir: string,
  comparison: Comparison,
  reports: { a: ReportFile; b: ReportFile },
): Promise<void> {
  await mkdir(outDir, { recursive: true });
  const imageHref = (side: 'a' | 'b', image: ImageComparison) => {
    const file = path.join(
      path.dirname(reports[side].file),
      side === 'a' ? image.annotated_a : image.annotated_b,
    );
    return existsSync(file) ? fileHref(path.relative(outDir, file).split(path.sep).join('/')) : null;
  };
  await writeFile(path.join(outDir, COMPARISON_FILES.json), `${JSON.stringify(comparison, null, 2)}\n`);
  await writeFile(path.join(outDir, COMPARISON_FILES.html), renderComparisonHtml(comparison, imageHref));
}
