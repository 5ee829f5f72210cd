import type { PrecisionCurve, Report } from './report.js';

const escapeHtml = (text: string) =>
  text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);

const fixed = (value: number | null, digits = 3) =>
  value === null || value < 0 ? '—' : value.toFixed(digits);
const percent = (value: number | null) => (value === null || value < 0 ? '—' : `${(value * 100).toFixed(1)}`);

interface Series {
  name: string;
  colour: string;
  points: PrecisionCurve;
}

/** A precision-recall chart as inline SVG: recall on x, precision on y, both 0..1. */
export function prChartSvg(
  recall: readonly number[],
  series: readonly Series[],
  size: { w: number; h: number },
): string {
  const pad = { left: 34, right: 8, top: 8, bottom: 28 };
  const plotW = size.w - pad.left - pad.right;
  const plotH = size.h - pad.top - pad.bottom;
  const x = (r: number) => (pad.left + r * plotW).toFixed(1);
  const y = (p: number) => (pad.top + (1 - p) * plotH).toFixed(1);
  const grid = [0, 0.25, 0.5, 0.75, 1]
    .map(
      (v) =>
        `<line x1="${x(0)}" y1="${y(v)}" x2="${x(1)}" y2="${y(v)}" class="grid"/>` +
        `<line x1="${x(v)}" y1="${y(0)}" x2="${x(v)}" y2="${y(1)}" class="grid"/>` +
        `<text x="${pad.left - 4}" y="${Number(y(v)) + 4}" text-anchor="end">${v}</text>` +
        `<text x="${x(v)}" y="${size.h - pad.bottom + 14}" text-anchor="middle">${v}</text>`,
    )
    .join('');
  const lines = series
    .map(
      (s) =>
        `<polyline fill="none" stroke="${s.colour}" stroke-width="1.8" points="${s.points
          .map((p, i) => `${x(recall[i]!)},${y(p)}`)
          .join(' ')}"><title>${escapeHtml(s.name)}</title></polyline>`,
    )
    .join('');
  const legend = series
    .map(
      (s, i) =>
        `<g transform="translate(${size.w - pad.right - 120},${pad.top + 6 + i * 15})"><rect width="10" height="3" y="-4" fill="${s.colour}"/><text x="14" y="0">${escapeHtml(s.name)}</text></g>`,
    )
    .join('');
  return `<svg class="chart" viewBox="0 0 ${size.w} ${size.h}" width="${size.w}" height="${size.h}" role="img" aria-label="precision-recall curve">${grid}${lines}${legend}<text x="${pad.left + plotW / 2}" y="${size.h - 2}" text-anchor="middle">recall</text><text transform="translate(10,${pad.top + plotH / 2}) rotate(-90)" text-anchor="middle">precision</text></svg>`;
}

/** The report as one self-contained HTML page; it links the annotated images written beside it. */
export function renderHtmlReport(report: Report): string {
  const { coco, matching, latency_ms: latency, pr_curves: curves } = report;
  const overall = prChartSvg(
    curves.recall,
    [
      { name: 'IoU 0.50', colour: '#1565c0', points: curves.overall['0.50'] },
      { name: 'IoU 0.75', colour: '#ef6c00', points: curves.overall['0.75'] },
      { name: 'IoU 0.50:0.95', colour: '#2e7d32', points: curves.overall['0.50:0.95'] },
    ],
    { w: 520, h: 320 },
  );
  const cards = [
    ['mAP@[.50:.95]', fixed(coco.AP)],
    ['AP50', fixed(coco.AP50)],
    ['AP75', fixed(coco.AP75)],
    ['AP small / medium / large', `${fixed(coco.APs)} / ${fixed(coco.APm)} / ${fixed(coco.APl)}`],
    ['AR@100', fixed(coco.AR100)],
    [`F1 @ score ≥ ${matching.score_threshold}, IoU ≥ ${matching.iou_threshold}`, fixed(matching.f1)],
    ['Precision / recall', `${fixed(matching.precision)} / ${fixed(matching.recall)}`],
    ['Mean IoU of matches', fixed(matching.mean_iou)],
    ['Latency p50 / p95', latency ? `${latency.p50.toFixed(1)} / ${latency.p95.toFixed(1)} ms` : '—'],
  ]
    .map(
      ([label, value]) =>
        `<div class="card"><div class="label">${escapeHtml(label!)}</div><div class="value">${value}</div></div>`,
    )
    .join('');

  const classRows = [...coco.per_class]
    .sort((a, b) => b.ap - a.ap || b.ground_truth - a.ground_truth)
    .map((row) => {
      const curve = curves.per_class[row.name];
      const chart = curve
        ? prChartSvg(
            curves.recall,
            [
              { name: '0.50', colour: '#1565c0', points: curve['0.50'] },
              { name: '0.50:0.95', colour: '#2e7d32', points: curve['0.50:0.95'] },
            ],
            { w: 220, h: 140 },
          )
        : '';
      return `<tr><td>${escapeHtml(row.name)}</td><td>${row.ground_truth}</td><td>${row.detections}</td><td>${fixed(row.ap)}</td><td>${fixed(row.ap50)}</td><td>${fixed(row.ap75)}</td><td>${chart}</td></tr>`;
    })
    .join('');

  const imageRows = report.images
    .map(
      (image) =>
        `<tr${image.error ? ' class="failed"' : ''}><td><a href="${escapeHtml(image.annotated)}"><img src="${escapeHtml(image.annotated)}" loading="lazy" alt="${escapeHtml(image.file_name)} annotated"></a></td><td>${escapeHtml(image.file_name)}${image.error ? `<div class="error">${escapeHtml(image.error)}</div>` : ''}</td><td>${image.ground_truth}</td><td>${image.detections}</td><td>${image.tp}</td><td>${image.fp}</td><td>${image.fn}</td><td>${percent(image.precision)}</td><td>${percent(image.recall)}</td><td>${fixed(image.f1)}</td><td>${fixed(image.mean_iou)}</td><td>${image.latency_ms === null ? '—' : image.latency_ms.toFixed(1)}</td></tr>`,
    )
    .join('');

  const unmatched = Object.entries(report.unmatched_labels);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Detection evaluation: ${escapeHtml(report.endpoint.model)} on ${escapeHtml(report.dataset.path)}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#1d2330;background:#fafbfc}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}
.meta{color:#5b6475}.cards{display:flex;flex-wrap:wrap;gap:10px;margin:16px 0}
.card{background:#fff;border:1px solid #dde2ea;border-radius:8px;padding:10px 14px;min-width:150px}
.card .label{font-size:12px;color:#5b6475}.card .value{font-size:20px;font-weight:600}
table{border-collapse:collapse;background:#fff;border:1px solid #dde2ea}
th,td{padding:5px 9px;border-bottom:1px solid #eef1f5;text-align:right;vertical-align:middle}
th{background:#f1f4f8;position:sticky;top:0}td:first-child,td:nth-child(2),th:first-child,th:nth-child(2){text-align:left}
td img{width:120px;display:block}tr.failed{background:#fff1f0}.error{color:#b3261e;font-size:12px}
svg.chart text{font-size:10px;fill:#5b6475}svg.chart .grid{stroke:#e4e8ee}
.legend span{display:inline-block;width:12px;height:3px;margin:0 4px 3px 10px}
</style>
</head>
<body>
<h1>Detection evaluation</h1>
<div class="meta">Model <b>${escapeHtml(report.endpoint.model)}</b>${report.endpoint.model_version ? ` version ${escapeHtml(report.endpoint.model_version)}` : ''} via the ${report.endpoint.kind.replace('-', ' ')} at ${escapeHtml(report.endpoint.url)} ·
dataset ${escapeHtml(report.dataset.path)} (${report.dataset.format}, ${report.dataset.images} images, ${report.dataset.annotations} objects, ${report.dataset.crowd_regions} crowd regions) ·
${escapeHtml(report.created_at)}, ${report.duration_s} s${report.failed_images > 0 ? ` · <b class="error">${report.failed_images} image(s) failed</b>` : ''}</div>
<div class="cards">${cards}</div>
<h2>Precision-recall, all classes</h2>
<p class="meta">COCO's interpolated precision at 101 recall points, averaged over the ${report.dataset.categories_with_ground_truth} classes with ground truth (all areas, up to 100 detections per image, detections down to score ${report.parameters.min_score}).</p>
${overall}
<h2>Per class</h2>
<table><thead><tr><th>Class</th><th>Objects</th><th>Detections (all scores)</th><th>AP</th><th>AP50</th><th>AP75</th><th>Precision-recall (IoU 0.50, 0.50:0.95)</th></tr></thead><tbody>${classRows}</tbody></table>
${unmatched.length > 0 ? `<p class="meta">Model labels that are not dataset classes (left out): ${unmatched.map(([label, count]) => `${escapeHtml(label)} ×${count}`).join(', ')}</p>` : ''}
<h2>Per image</h2>
<p class="meta legend">Ground truth<span style="background:#1fbf3a"></span>(dashed: crowd region), predictions with score ≥ ${matching.score_threshold}<span style="background:#e8222e"></span>. Counts at IoU ≥ ${matching.iou_threshold}, one-to-one Hungarian matching within each class.</p>
<table><thead><tr><th></th><th>Image</th><th>Objects</th><th>Detections ≥ ${matching.score_threshold}</th><th>TP</th><th>FP</th><th>FN</th><th>Precision %</th><th>Recall %</th><th>F1</th><th>Mean IoU</th><th>Latency ms</th></tr></thead><tbody>${imageRows}</tbody></table>
</body>
</html>
`;
}
