import { FALSE_POSITIVE_REASONS } from '../../metrics/failure-analysis.js';
import { OBJECT_SIZES, type ObjectSize } from '../../metrics/size-breakdown.js';
import type { OperatingPointReport } from '../analysis-report.js';
import { BOX_KINDS, BOX_STYLES, REASON_NAMES, REASON_SHORT_NAMES } from '../box-styles.js';
import { LOW_SUPPORT_OBJECTS, type Report } from '../report.js';
import { lineChartSvg } from './charts.js';
import { escapeHtml, fileHref, fixed, htmlPage, numberCell, section } from './page.js';

const GALLERY_SIZE = 8;
const IMAGES_PER_PAGE = 20;

/** One line saying what produced the detections. */
export function sourceLine(report: Pick<Report, 'endpoint' | 'detections_file'>): string {
  const { endpoint } = report;
  if (endpoint)
    return `Model <b>${escapeHtml(endpoint.model)}</b>${endpoint.model_version ? ` version ${escapeHtml(endpoint.model_version)}` : ''} via the ${endpoint.kind.replace('-', ' ')} at ${escapeHtml(endpoint.url)}`;
  return `Detections re-scored from <b>${escapeHtml(report.detections_file ?? '?')}</b> (no model run)`;
}

function cards(report: Report): string {
  const { coco, matching, latency_ms: latency, operating_point: op, failures } = report;
  return [
    ['mAP@[.50:.95]', fixed(coco.AP)],
    ['AP50 / AP75', `${fixed(coco.AP50)} / ${fixed(coco.AP75)}`],
    ['AR@100', fixed(coco.AR100)],
    [`F1 @ score ≥ ${matching.score_threshold}, IoU ≥ ${matching.iou_threshold}`, fixed(matching.f1)],
    ['Precision / recall', `${fixed(matching.precision)} / ${fixed(matching.recall)}`],
    ['Best F1 (score threshold)', op.best ? `${fixed(op.best.f1)} (≥ ${op.best.threshold})` : '—'],
    ['False positives / missed', `${failures.false_positives.total} / ${failures.missed.total}`],
    [
      'Latency p50 / p95',
      latency ? `${latency.p50.toFixed(1)} / ${latency.p95.toFixed(1)} ms` : 'not measured',
    ],
  ]
    .map(
      ([label, value]) =>
        `<div class="card"><div class="label">${escapeHtml(label!)}</div><div class="value">${value}</div></div>`,
    )
    .join('');
}

function cocoSection(report: Report): string {
  const c = report.coco;
  const row = (label: string, values: (number | null)[]) =>
    `<tr><th class="text">${label}</th>${values.map((v) => `<td>${fixed(v)}</td>`).join('')}</tr>`;
  const table = `<table class="coco"><thead><tr><th></th><th>all</th><th>small</th><th>medium</th><th>large</th></tr></thead><tbody>${[
    row('AP@[.50:.95]', [c.AP, c.APs, c.APm, c.APl]),
    row('AP50', [c.AP50, null, null, null]),
    row('AP75', [c.AP75, null, null, null]),
    row('AR@1', [c.AR1, null, null, null]),
    row('AR@10', [c.AR10, null, null, null]),
    row('AR@100', [c.AR100, c.ARs, c.ARm, c.ARl]),
  ].join('')}</tbody></table>`;
  return section({
    id: 'coco',
    title: 'COCO metrics',
    hint: 'the twelve numbers of COCOeval.summarize()',
    open: true,
    body: `${table}<p class="meta">Sizes by object area: small &lt; 32², medium 32²–96², large &gt; 96² px. AR@N: recall with at most N detections per image and class, averaged over IoU 0.50:0.95. — means no object in that range.</p>`,
  });
}

function latencySection(report: Report): string {
  const latency = report.latency_ms;
  const context = report.latency_context;
  if (!latency) {
    const why = report.detections_file
      ? `detections were read from ${escapeHtml(report.detections_file)}; no model was run`
      : 'no request succeeded';
    return section({
      id: 'latency',
      title: 'Latency',
      hint: 'not measured',
      open: true,
      body: `<p class="meta">Not measured: ${why}.</p>`,
    });
  }
  const load = (values: number[]) => values.map((v) => v.toFixed(2)).join(' / ');
  const contextRows = context
    ? [
        ['Endpoint', `${context.endpoint_kind.replace('-', ' ')} at ${escapeHtml(context.endpoint_url)}`],
        ['Requests', `${latency.count}, ${context.concurrency} at a time`],
        ['CPU', `${escapeHtml(context.cpu_model)} × ${context.cpu_count}`],
        [
          'Load average (1 / 5 / 15 min)',
          `${load(context.load_average_start)} at start, ${load(context.load_average_end)} at end`,
        ],
      ]
    : [];
  const rows = [
    ['p50 / p95', `${latency.p50.toFixed(1)} / ${latency.p95.toFixed(1)} ms`],
    [
      'mean / min / max',
      `${latency.mean.toFixed(1)} / ${latency.min.toFixed(1)} / ${latency.max.toFixed(1)} ms`,
    ],
    ...contextRows,
  ];
  return section({
    id: 'latency',
    title: 'Latency',
    hint: `p50 ${latency.p50.toFixed(1)} ms, p95 ${latency.p95.toFixed(1)} ms`,
    open: true,
    body: `<table class="latency"><tbody>${rows
      .map(([label, value]) => `<tr><th class="text">${label}</th><td class="text">${value}</td></tr>`)
      .join(
        '',
      )}</tbody></table><p class="meta">Wall time per request as the client sees it (encode, HTTP, inference, decode). The CPU and load are those of the machine pnpm eval ran on, which is the endpoint's too when it is on loopback.</p>`,
  });
}

function operatingPointSection(report: Report): string {
  const op = report.operating_point;
  const markers = [
    { x: op.score_threshold, colour: '#5b6475', label: `operating point ${op.score_threshold}` },
  ];
  if (op.best)
    markers.push({ x: op.best.threshold, colour: '#2e7d32', label: `best F1 ${op.best.threshold}` });
  const chart = lineChartSvg({
    x: op.curve.threshold,
    series: [
      { name: 'precision', colour: '#1565c0', values: op.curve.precision },
      { name: 'recall', colour: '#ef6c00', values: op.curve.recall },
      { name: 'F1', colour: '#2e7d32', values: op.curve.f1 },
    ],
    size: { w: 520, h: 280 },
    xLabel: 'score threshold',
    yLabel: 'precision, recall, F1',
    markers,
    ariaLabel: 'precision, recall and F1 against the score threshold',
  });
  const sizeRows: [string, (counts: OperatingPointReport['by_size'][ObjectSize]) => string][] = [
    ['Objects', (counts) => String(counts.objects)],
    ['Detections', (counts) => String(counts.detections)],
    ['Precision', (counts) => fixed(counts.precision)],
    ['Recall', (counts) => fixed(counts.recall)],
  ];
  const sizes = `<table class="by-size"><thead><tr><th class="text">At the operating point</th>${OBJECT_SIZES.map((size) => `<th>${size}</th>`).join('')}</tr></thead><tbody>${sizeRows
    .map(
      ([label, cell]) =>
        `<tr><th class="text">${label}</th>${OBJECT_SIZES.map((size) => `<td>${cell(op.by_size[size])}</td>`).join('')}</tr>`,
    )
    .join('')}</tbody></table>`;
  const rowOf = (row: NonNullable<typeof op.best>, cls = '') =>
    `<tr${cls}><td>${row.threshold}</td><td>${fixed(row.precision)}</td><td>${fixed(row.recall)}</td><td>${fixed(row.f1)}</td><td>${row.tp}</td><td>${row.fp}</td><td>${row.fn}</td></tr>`;
  const table = `<details class="sub"><summary>Precision, recall and F1 at thresholds 0.05 to 0.95</summary><table class="thresholds"><thead><tr><th>Score ≥</th><th>Precision</th><th>Recall</th><th>F1</th><th>TP</th><th>FP</th><th>FN</th></tr></thead><tbody>${op.table
    .map((row) => rowOf(row))
    .join('')}${op.best ? rowOf(op.best, ' class="best"') : ''}</tbody></table></details>`;
  const best = op.best
    ? `F1 is highest, <b>${fixed(op.best.f1)}</b> (precision ${fixed(op.best.precision)}, recall ${fixed(op.best.recall)}), keeping detections with score ≥ <b>${op.best.threshold}</b>; at the operating point ${op.score_threshold} it is ${fixed(report.matching.f1)}. Each class's best threshold is in the per-class table.`
    : 'No threshold finds any object.';
  return section({
    id: 'operating-point',
    title: 'Operating point',
    hint: op.best ? `best F1 ${fixed(op.best.f1)} at score ≥ ${op.best.threshold}` : '',
    open: true,
    body: `<p class="meta">${best} Matching one to one at IoU ≥ ${op.iou_threshold}.</p><div class="row">${chart}<div style="max-width:420px">${sizes}<p class="meta">Sizes as COCO: an object by its area, a true positive by its object's, a false positive by its box's.</p></div></div>${table}`,
  });
}

function legend(): string {
  return `<div class="legend">${BOX_KINDS.map((kind) => {
    const style = BOX_STYLES[kind];
    return `<span class="nowrap"><span class="swatch${style.dashed ? ' dashed' : ''}" style="border-color:${style.colour}" data-kind="${kind}"></span>${escapeHtml(style.legend)}</span> `;
  }).join('')}</div>`;
}

function reasonsText(counts: Record<string, number>, names: Record<string, string> = REASON_NAMES): string {
  return FALSE_POSITIVE_REASONS.filter((reason) => (counts[reason] ?? 0) > 0)
    .map((reason) => `${names[reason]} ${counts[reason]}`)
    .join(', ');
}

function failureSection(report: Report, withImages: boolean): string {
  const f = report.failures;
  const breakdown = `<table class="failures"><thead><tr><th class="text">At the operating point</th><th>Count</th></tr></thead><tbody><tr><th class="text"><span class="swatch" style="border-color:${BOX_STYLES.tp.colour}"></span>True positives</th><td>${report.matching.tp}</td></tr>${FALSE_POSITIVE_REASONS.map(
    (reason) =>
      `<tr data-reason="${reason}"><th class="text"><span class="swatch" style="border-color:${BOX_STYLES[`fp-${reason}`].colour}"></span>False positive: ${REASON_NAMES[reason]}</th><td>${f.false_positives[reason]}</td></tr>`,
  ).join(
    '',
  )}<tr><th class="text"><span class="swatch dashed" style="border-color:${BOX_STYLES.missed.colour}"></span>Missed objects</th><td>${f.missed.total}</td></tr><tr><th class="text">&nbsp;&nbsp;of which a wrong-class or poorly localised detection lies on</th><td>${f.missed.nearby}</td></tr><tr><th class="text">Ignored (in a crowd region)</th><td>${f.ignored}</td></tr></tbody></table>`;
  const definitions = `<p class="meta">A false positive's reason, with IoUs against the image's objects (t<sub>f</sub> = ${f.iou_threshold}, t<sub>b</sub> = ${f.background_iou}, TIDE's order): <b>poor localisation</b> — best IoU with an object of its class in [t<sub>b</sub>, t<sub>f</sub>); <b>wrong class</b> — IoU ≥ t<sub>f</sub> with an object of another class; <b>duplicate</b> — IoU ≥ t<sub>f</sub> with an object of its class that another detection matched; <b>background</b> — IoU &lt; t<sub>b</sub> with every object; <b>wrong class and poor localisation</b> — the rest.</p>`;
  const worst = [...report.images]
    .filter((image) => image.fp + image.fn > 0)
    .sort((a, b) => b.fp + b.fn - (a.fp + a.fn) || b.fn - a.fn || a.file_name.localeCompare(b.file_name))
    .slice(0, GALLERY_SIZE);
  const gallery = worst.length
    ? `<h3>Worst images first (most false positives + missed objects)</h3><div class="gallery">${worst
        .map(
          (image) =>
            `<figure>${withImages ? `<a href="${fileHref(image.annotated)}"><img src="${fileHref(image.annotated)}" loading="lazy" alt="${escapeHtml(image.file_name)} annotated"></a>` : ''}<figcaption><b>${escapeHtml(image.file_name)}</b><br>FP ${image.fp} · missed ${image.fn} · TP ${image.tp}${
              image.fp > 0 ? `<br>${escapeHtml(reasonsText(image.false_positives))}` : ''
            }</figcaption></figure>`,
        )
        .join('')}</div>`
    : '<p class="meta">No image has a false positive or a missed object.</p>';
  return section({
    id: 'failures',
    title: 'Failure analysis',
    hint: `${f.false_positives.total} false positives (${escapeHtml(reasonsText(f.false_positives)) || 'none'}), ${f.missed.total} missed`,
    open: true,
    body: `<div class="row">${breakdown}<div style="flex:1;min-width:320px">${definitions}${withImages ? legend() : ''}</div></div>${gallery}${confusionMatrix(report)}`,
  });
}

function confusionMatrix(report: Report): string {
  const { classes, counts } = report.failures.confusion;
  const rows = [...classes, 'background'];
  const columns = [...classes, 'missed'];
  const max = Math.max(1, ...counts.flat());
  const cell = (value: number, diagonal: boolean) => {
    const alpha = value === 0 ? 0 : 0.15 + 0.85 * (value / max);
    const colour = diagonal ? `rgba(31,191,58,${alpha.toFixed(2)})` : `rgba(232,34,46,${alpha.toFixed(2)})`;
    return `<td style="background:${colour}">${value === 0 ? '' : value}</td>`;
  };
  const body = rows
    .map(
      (name, r) =>
        `<tr><th class="text">${escapeHtml(name)}</th>${counts[r]!.map((value, c) => cell(value, r === c && r < classes.length)).join('')}</tr>`,
    )
    .join('');
  return `<details class="sub"><summary>Confusion matrix (${classes.length} classes, with background)</summary><p class="meta">Rows: the object's class (background: no object); columns: the predicted class (missed: no detection). At the operating point: the diagonal holds the true positives; the detections and objects left over are matched one to one regardless of class at IoU ≥ ${report.failures.iou_threshold}, each such pair a confusion; what is still left is background or missed. Detections in crowd regions are left out.</p><table class="matrix"><thead><tr><th class="text">object ↓ / predicted →</th>${columns
    .map((name) => `<th class="col">${escapeHtml(name)}</th>`)
    .join('')}</tr></thead><tbody>${body}</tbody></table></details>`;
}

function classSection(report: Report): string {
  const rows = report.coco.per_class
    .map((row) => {
      const op = row.operating_point;
      const fp = FALSE_POSITIVE_REASONS.reduce((sum, reason) => sum + row.false_positives[reason], 0);
      return `<tr${row.low_support ? ' class="low-support"' : ''} data-class="${escapeHtml(row.name)}"><td class="text nowrap">${escapeHtml(row.name)}${row.low_support ? `<span class="badge" title="fewer than ${LOW_SUPPORT_OBJECTS} objects">${row.ground_truth === 0 ? 'no objects' : 'low support'}</span>` : ''}</td><td>${row.ground_truth}</td><td>${row.detections}</td>${numberCell(row.ap)}${numberCell(row.ap50)}${numberCell(row.ap75)}${numberCell(op.precision)}${numberCell(op.recall)}${numberCell(op.f1)}${numberCell(row.best_f1?.threshold ?? null, 3)}${numberCell(row.best_f1?.f1 ?? null)}<td title="${escapeHtml(reasonsText(row.false_positives))}">${fp}</td><td>${row.missed}</td></tr>`;
    })
    .join('');
  const lowSupport = report.coco.per_class.filter((row) => row.low_support).length;
  const op = report.matching;
  return section({
    id: 'per-class',
    title: 'Per class',
    hint: `${report.coco.per_class.length} classes, most objects first; ${lowSupport} with fewer than ${LOW_SUPPORT_OBJECTS} objects`,
    body: `<p class="meta">Click a column to sort. Classes with fewer than ${LOW_SUPPORT_OBJECTS} objects are flagged <span class="badge">low support</span> and sort after the others by any figure: their AP rests on too few objects. Precision, recall, F1, FP and FN at score ≥ ${op.score_threshold}, IoU ≥ ${op.iou_threshold}; best F1: the score threshold that maximises the class's F1.</p><table class="sortable per-class"><thead><tr><th class="text" data-sort="text">Class</th><th data-sort="num" aria-sort="descending">Objects</th><th data-sort="num" data-support-last>Detections (all scores)</th><th data-sort="num" data-support-last>AP</th><th data-sort="num" data-support-last>AP50</th><th data-sort="num" data-support-last>AP75</th><th data-sort="num" data-support-last>Precision</th><th data-sort="num" data-support-last>Recall</th><th data-sort="num" data-support-last>F1</th><th data-sort="num" data-support-last>Best F1 at score ≥</th><th data-sort="num" data-support-last>Best F1</th><th data-sort="num" data-support-last>FP</th><th data-sort="num" data-support-last>Missed</th></tr></thead><tbody>${rows}</tbody></table>`,
  });
}

function curvesSection(report: Report): string {
  const curves = report.pr_curves;
  const overall = lineChartSvg({
    x: curves.recall,
    series: [
      { name: 'IoU 0.50', colour: '#1565c0', values: curves.overall['0.50'] },
      { name: 'IoU 0.75', colour: '#ef6c00', values: curves.overall['0.75'] },
      { name: 'IoU 0.50:0.95', colour: '#2e7d32', values: curves.overall['0.50:0.95'] },
    ],
    size: { w: 520, h: 320 },
    xLabel: 'recall',
    yLabel: 'precision',
    ariaLabel: 'precision-recall curve',
  });
  const perClass = report.coco.per_class
    .filter((row) => curves.per_class[row.name])
    .map((row) => {
      const curve = curves.per_class[row.name]!;
      return `<figure><figcaption>${escapeHtml(row.name)} (${row.ground_truth} objects, AP ${fixed(row.ap)})</figcaption>${lineChartSvg(
        {
          x: curves.recall,
          series: [
            { name: '0.50', colour: '#1565c0', values: curve['0.50'] },
            { name: '0.50:0.95', colour: '#2e7d32', values: curve['0.50:0.95'] },
          ],
          size: { w: 220, h: 140 },
          xLabel: 'recall',
          yLabel: 'precision',
          ariaLabel: `precision-recall curve of ${row.name}`,
        },
      )}</figure>`;
    })
    .join('');
  return section({
    id: 'pr-curves',
    title: 'Precision-recall curves',
    hint: `all classes and each of the ${report.dataset.categories_with_ground_truth} with objects`,
    body: `<p class="meta">COCO's interpolated precision at 101 recall points, averaged over the ${report.dataset.categories_with_ground_truth} classes with objects (all areas, up to 100 detections per image${report.parameters.min_score === null ? '' : `, detections down to score ${report.parameters.min_score}`}).</p>${overall}<h3>Per class (IoU 0.50 and 0.50:0.95)</h3><div class="charts">${perClass}</div>`,
  });
}

function imageSection(report: Report, withImages: boolean): string {
  const { matching } = report;
  const rows = report.images
    .map(
      (image) =>
        `<tr${image.error ? ' class="failed"' : ''}><td>${withImages ? `<a href="${fileHref(image.annotated)}"><img src="${fileHref(image.annotated)}" loading="lazy" alt="${escapeHtml(image.file_name)} annotated"></a>` : ''}</td><td class="text">${escapeHtml(image.file_name)}${image.error ? `<div class="error">${escapeHtml(image.error)}</div>` : ''}</td><td>${image.ground_truth}</td><td>${image.detections}</td><td>${image.tp}</td><td>${image.fp}</td><td>${image.fn}</td><td data-value="${image.fp + image.fn}">${image.fp + image.fn}</td><td class="text nowrap" title="${escapeHtml(reasonsText(image.false_positives))}">${escapeHtml(reasonsText(image.false_positives, REASON_SHORT_NAMES))}</td>${numberCell(image.precision === null ? null : image.precision * 100, 1)}${numberCell(image.recall === null ? null : image.recall * 100, 1)}${numberCell(image.f1)}${numberCell(image.mean_iou)}${numberCell(image.latency_ms, 1)}</tr>`,
    )
    .join('');
  return section({
    id: 'per-image',
    title: 'Per image',
    hint: `${report.images.length} images, ${IMAGES_PER_PAGE} per page${report.failed_images > 0 ? `, <b class="error">${report.failed_images} failed</b>` : ''}`,
    body: `<p class="meta">Counts at score ≥ ${matching.score_threshold} and IoU ≥ ${matching.iou_threshold}, one-to-one Hungarian matching within each class. FP reasons: dup duplicate, cls wrong class, loc poor localisation, cls+loc both, bkg background. Click a column to sort.</p>${withImages ? legend() : ''}<table class="sortable per-image" data-page-size="${IMAGES_PER_PAGE}"><thead><tr><th></th><th class="text" data-sort="text">Image</th><th data-sort="num">Objects</th><th data-sort="num">Detections ≥ ${matching.score_threshold}</th><th data-sort="num">TP</th><th data-sort="num">FP</th><th data-sort="num">FN</th><th data-sort="num">FP + FN</th><th class="text" title="dup: duplicate, cls: wrong class, loc: poor localisation, cls+loc: both, bkg: background">FP reasons</th><th data-sort="num">Precision %</th><th data-sort="num">Recall %</th><th data-sort="num">F1</th><th data-sort="num">Mean IoU</th><th data-sort="num">Latency ms</th></tr></thead><tbody>${rows}</tbody></table>`,
  });
}

/** The report as one self-contained HTML page; it links the annotated images written beside it (if any). */
export function renderHtmlReport(report: Report, options: { annotatedImages: boolean }): string {
  const unmatched = Object.entries(report.unmatched_labels);
  const name = report.endpoint?.model ?? report.detections_file ?? 'detections';
  const body = `<h1>Detection evaluation</h1>
<div class="meta">${sourceLine(report)} ·
dataset ${escapeHtml(report.dataset.path)} (${report.dataset.format}, ${report.dataset.images} images, ${report.dataset.annotations} objects, ${report.dataset.crowd_regions} crowd regions) ·
${escapeHtml(report.created_at)}, ${report.duration_s} s${report.failed_images > 0 ? ` · <b class="error">${report.failed_images} image(s) failed</b>` : ''}</div>
<div class="cards">${cards(report)}</div>
${cocoSection(report)}
${latencySection(report)}
${operatingPointSection(report)}
${failureSection(report, options.annotatedImages)}
${classSection(report)}
${curvesSection(report)}
${imageSection(report, options.annotatedImages)}
${unmatched.length > 0 ? `<p class="meta">Model labels that are not dataset classes (left out): ${unmatched.map(([label, count]) => `${escapeHtml(label)} ×${count}`).join(', ')}</p>` : ''}`;
  return htmlPage(`Detection evaluation: ${name} on ${report.dataset.path}`, body);
}
