import { escapeHtml, htmlPage, numberCell, section } from '../report/html/page.js';
import { LOW_SUPPORT_OBJECTS } from '../report/report.js';
import type { Better, Comparison, ImageComparison, PairedFigure, RunSummary } from './compare-reports.js';

const CHANGED_IMAGES_SHOWN = 20;

/** A difference, signed, coloured by whether it is an improvement. */
function deltaCell(delta: number | null, better: Better, digits: number): string {
  if (delta === null) return '<td data-value="">—</td>';
  const improved =
    better === 'none' || delta === 0 ? '' : delta > 0 === (better === 'higher') ? 'better' : 'worse';
  const text = `${delta > 0 ? '+' : delta < 0 ? '−' : '±'}${Math.abs(delta).toFixed(digits)}`;
  return `<td data-value="${delta}"${improved ? ` class="${improved}"` : ''}>${text}</td>`;
}

const digitsOf = (key: string) =>
  key.startsWith('latency') ? 1 : /\.(tp|fp|fn)$|false_positives/.test(key) ? 0 : 3;

const pairCells = (figure: PairedFigure, better: Better = 'higher', digits = 3) =>
  `${numberCell(figure.a, digits)}${numberCell(figure.b, digits)}${deltaCell(figure.delta, better, digits)}`;

/**
 * The comparison as one self-contained page. `imageHref` gives the link to an annotated image of run A or B
 * relative to the page, or null when that run wrote none.
 */
export function renderComparisonHtml(
  comparison: Comparison,
  imageHref: (side: 'a' | 'b', image: ImageComparison) => string | null,
): string {
  const runs: [string, RunSummary][] = [
    ['A', comparison.a],
    ['B', comparison.b],
  ];
  const summaryRows = comparison.summary
    .map((figure) => {
      const digits = digitsOf(figure.key);
      return `<tr data-key="${figure.key}"><th class="text">${escapeHtml(figure.label)}</th>${pairCells(figure, figure.better, digits)}</tr>`;
    })
    .join('');
  const classRows = comparison.per_class
    .map(
      (row) =>
        `<tr${row.low_support ? ' class="low-support"' : ''} data-class="${escapeHtml(row.name)}"><td class="text">${escapeHtml(row.name)}${row.low_support ? '<span class="badge">low support</span>' : ''}</td><td>${row.objects}</td>${pairCells(row.ap)}${pairCells(row.ap50)}${pairCells(row.f1)}</tr>`,
    )
    .join('');
  const changed = comparison.images.filter((image) => image.change > 0);
  const thumb = (side: 'a' | 'b', image: ImageComparison) => {
    const href = imageHref(side, image);
    return href
      ? `<a href="${href}"><img src="${href}" loading="lazy" alt="${escapeHtml(image.file_name)} in run ${side.toUpperCase()}"></a>`
      : '';
  };
  const imageRows = changed
    .slice(0, CHANGED_IMAGES_SHOWN)
    .map(
      (image) =>
        `<tr data-image="${escapeHtml(image.file_name)}"><td class="text">${escapeHtml(image.file_name)}</td><td>${image.objects}</td><td>${image.change}</td>${deltaCell(image.delta_errors, 'lower', 0)}<td>${image.a.tp} / ${image.a.fp} / ${image.a.fn}</td><td>${image.b.tp} / ${image.b.fp} / ${image.b.fn}</td>${deltaCell(image.delta_f1, 'higher', 3)}<td>${thumb('a', image)}</td><td>${thumb('b', image)}</td></tr>`,
    )
    .join('');
  const body = `<h1>Detection evaluation: comparison</h1>
<div class="meta">Dataset ${escapeHtml(comparison.dataset.path)} (${comparison.dataset.format}, ${comparison.dataset.images} images, ${comparison.dataset.annotations} objects) · ${escapeHtml(comparison.created_at)}</div>
<table class="runs"><tbody>${runs
    .map(
      ([name, run]) =>
        `<tr><th class="text">${name}</th><td class="text">${escapeHtml(run.source)}<br><span class="meta">${escapeHtml(run.report)} · ${escapeHtml(run.created_at)} · score ≥ ${run.score_threshold}, IoU ≥ ${run.iou_threshold}</span></td></tr>`,
    )
    .join('')}</tbody></table>
${comparison.notes.map((note) => `<p class="meta"><b>Note:</b> ${escapeHtml(note)}</p>`).join('')}
${section({
  id: 'summary',
  title: 'Summary figures',
  hint: 'B − A; green is better, red worse',
  open: true,
  body: `<table class="summary"><thead><tr><th class="text">Figure</th><th>A</th><th>B</th><th>Δ (B − A)</th></tr></thead><tbody>${summaryRows}</tbody></table>`,
})}
${section({
  id: 'per-class',
  title: 'Per class',
  hint: `${comparison.per_class.length} classes, most objects first`,
  open: true,
  body: `<p class="meta">Click a column to sort; classes with fewer than ${LOW_SUPPORT_OBJECTS} objects are flagged and sort after the others. F1 at each run's operating point.</p><table class="sortable per-class"><thead><tr><th class="text" data-sort="text">Class</th><th data-sort="num" aria-sort="descending">Objects</th><th data-sort="num" data-support-last>AP A</th><th data-sort="num" data-support-last>AP B</th><th data-sort="num" data-support-last>Δ AP</th><th data-sort="num" data-support-last>AP50 A</th><th data-sort="num" data-support-last>AP50 B</th><th data-sort="num" data-support-last>Δ AP50</th><th data-sort="num" data-support-last>F1 A</th><th data-sort="num" data-support-last>F1 B</th><th data-sort="num" data-support-last>Δ F1</th></tr></thead><tbody>${classRows}</tbody></table>`,
})}
${section({
  id: 'images',
  title: 'Images whose result changed most',
  hint: `${changed.length} of ${comparison.images.length} images changed${changed.length > CHANGED_IMAGES_SHOWN ? `, the ${CHANGED_IMAGES_SHOWN} most shown` : ''}`,
  open: true,
  body: `<p class="meta">Change = |ΔFP| + |ΔFN|, the errors that appeared or went away at each run's operating point; ties by |ΔF1|. Counts are TP / FP / FN. The full list is in comparison.json.</p>${
    changed.length
      ? `<table class="changed"><thead><tr><th class="text">Image</th><th>Objects</th><th>Change</th><th>Δ errors</th><th>A: TP / FP / FN</th><th>B: TP / FP / FN</th><th>Δ F1</th><th>A</th><th>B</th></tr></thead><tbody>${imageRows}</tbody></table>`
      : '<p>No image changed.</p>'
  }`,
})}`;
  return htmlPage(`Detection evaluation: comparison on ${comparison.dataset.path}`, body);
}
