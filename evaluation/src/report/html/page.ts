export const escapeHtml = (text: string) =>
  text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);

/** A relative file path as a URL (each segment encoded). */
export const fileHref = (relativePath: string) => relativePath.split('/').map(encodeURIComponent).join('/');

/** A figure to 3 decimals; '—' where it is undefined (null, or COCO's -1). */
export const fixed = (value: number | null | undefined, digits = 3) =>
  value === null || value === undefined || value < 0 ? '—' : value.toFixed(digits);

/** A table cell whose sort key is the number itself (empty where undefined, which sorts last). */
export const numberCell = (value: number | null | undefined, digits = 3, extra = '') =>
  `<td data-value="${value === null || value === undefined || value < 0 ? '' : value}"${extra}>${fixed(value, digits)}</td>`;

/** A collapsible section; `hint` stays visible when it is closed. */
export function section(options: { id: string; title: string; hint?: string; open?: boolean; body: string }) {
  return `<details class="section" id="${options.id}"${options.open ? ' open' : ''}><summary><h2>${escapeHtml(options.title)}</h2>${
    options.hint ? `<span class="hint">${options.hint}</span>` : ''
  }</summary>${options.body}</details>`;
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#1d2330;background:#fafbfc}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:0;display:inline}h3{font-size:14px;margin:14px 0 6px}
.meta{color:#5b6475}.cards{display:flex;flex-wrap:wrap;gap:10px;margin:16px 0}
.card{background:#fff;border:1px solid #dde2ea;border-radius:8px;padding:10px 14px;min-width:150px}
.card .label{font-size:12px;color:#5b6475}.card .value{font-size:20px;font-weight:600}
details.section{margin:14px 0;border-top:1px solid #dde2ea;padding-top:10px}
details.section>summary{cursor:pointer;list-style-position:outside}
details.section>summary .hint{color:#5b6475;margin-left:10px}
details.sub>summary{cursor:pointer;color:#1565c0;margin:8px 0}
.row{display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start;margin-top:8px}
table{border-collapse:collapse;background:#fff;border:1px solid #dde2ea;margin-top:8px}
th,td{padding:4px 9px;border-bottom:1px solid #eef1f5;text-align:right;vertical-align:middle}
th{background:#f1f4f8;position:sticky;top:0;z-index:1}
td.text,th.text{text-align:left}.nowrap{white-space:nowrap}
th[data-sort]{cursor:pointer;user-select:none}th[data-sort]:after{content:" \\2195";color:#9aa3b2}
th[aria-sort=ascending]:after{content:" \\2191";color:#1d2330}th[aria-sort=descending]:after{content:" \\2193";color:#1d2330}
tr.low-support td{color:#8a93a3}.badge{display:inline-block;font-size:11px;padding:0 5px;border-radius:8px;background:#fff3cd;color:#7a5a00;margin-left:6px}
td img{width:120px;display:block}tr.failed{background:#fff1f0}.error{color:#b3261e;font-size:12px}
.pager{margin:6px 0;display:flex;gap:8px;align-items:center}.pager button{font:inherit;padding:2px 10px}
svg.chart text{font-size:10px;fill:#5b6475}svg.chart .grid{stroke:#e4e8ee}
.swatch{display:inline-block;width:14px;height:10px;margin:0 4px 0 12px;border:2px solid;vertical-align:-1px}
.swatch.dashed{border-style:dashed}.legend{margin:8px 0;line-height:2}
.gallery{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:12px;margin-top:8px}
.gallery figure{margin:0;background:#fff;border:1px solid #dde2ea;border-radius:6px;padding:6px}
.gallery img{width:100%;height:160px;object-fit:contain;background:#eef1f5;display:block}
.gallery figcaption{font-size:12px;margin-top:4px}
.charts{display:flex;flex-wrap:wrap;gap:10px}.charts figure{margin:0}.charts figcaption{font-size:12px;text-align:center}
table.matrix td{min-width:22px;text-align:center;padding:2px 4px}table.matrix th{font-size:11px;padding:2px 4px}
table.matrix th.col{writing-mode:vertical-rl;transform:rotate(180deg);text-align:left;vertical-align:bottom}
.better{color:#1b7f32}.worse{color:#b3261e}
`;

/**
 * Sortable tables (`table.sortable`, `th[data-sort=num|text]`, a cell's `data-value` as its key, empty keys last;
 * `th[data-support-last]` keeps low-support rows after the others) and paged tables (`table[data-page-size]`).
 * Inline, so the page needs nothing from the network.
 */
const SCRIPT = `
(() => {
  const keyOf = (row, col, type) => {
    const cell = row.cells[col];
    const raw = (cell.dataset.value ?? cell.textContent).trim();
    if (raw === '' || raw === '—') return null;
    return type === 'num' ? Number(raw) : raw.toLowerCase();
  };
  const pagers = new Map();
  function sortTable(table, th) {
    const col = th.cellIndex;
    const type = th.dataset.sort;
    const current = th.getAttribute('aria-sort');
    const direction = current ? (current === 'descending' ? 'ascending' : 'descending') : type === 'num' ? 'descending' : 'ascending';
    for (const other of table.tHead.rows[0].cells) other.removeAttribute('aria-sort');
    th.setAttribute('aria-sort', direction);
    const sign = direction === 'ascending' ? 1 : -1;
    const supportLast = th.hasAttribute('data-support-last');
    const body = table.tBodies[0];
    const rows = [...body.rows].map((row, index) => ({ row, index, key: keyOf(row, col, type) }));
    rows.sort((a, b) => {
      if (supportLast) {
        const low = Number(a.row.classList.contains('low-support')) - Number(b.row.classList.contains('low-support'));
        if (low !== 0) return low;
      }
      if (a.key === null || b.key === null) return (a.key === null) - (b.key === null) || a.index - b.index;
      if (a.key < b.key) return -sign;
      if (a.key > b.key) return sign;
      return a.index - b.index;
    });
    for (const { row } of rows) body.appendChild(row);
    pagers.get(table)?.(0);
  }
  for (const table of document.querySelectorAll('table.sortable')) {
    for (const th of table.tHead.rows[0].cells) {
      if (!th.dataset.sort) continue;
      th.tabIndex = 0;
      th.addEventListener('click', () => sortTable(table, th));
      th.addEventListener('keydown', (event) => {
        if (event.key === 'Enter' || event.key === ' ') {
          event.preventDefault();
          sortTable(table, th);
        }
      });
    }
  }
  for (const table of document.querySelectorAll('table[data-page-size]')) {
    const size = Number(table.dataset.pageSize);
    const rows = () => [...table.tBodies[0].rows];
    const pages = Math.max(1, Math.ceil(rows().length / size));
    if (pages === 1) continue;
    const pager = document.createElement('div');
    pager.className = 'pager';
    pager.innerHTML = '<button type="button" data-step="-1">‹ Previous</button><span></span><button type="button" data-step="1">Next ›</button>';
    table.after(pager);
    let page = 0;
    const show = (next) => {
      page = Math.min(pages - 1, Math.max(0, next));
      rows().forEach((row, index) => {
        row.hidden = Math.floor(index / size) !== page;
      });
      pager.querySelector('span').textContent = 'Page ' + (page + 1) + ' of ' + pages + ' (' + rows().length + ' rows)';
      pager.querySelector('[data-step="-1"]').disabled = page === 0;
      pager.querySelector('[data-step="1"]').disabled = page === pages - 1;
    };
    pager.addEventListener('click', (event) => {
      const step = event.target.closest('button')?.dataset.step;
      if (step) show(page + Number(step));
    });
    pagers.set(table, show);
    show(0);
  }
})();
`;

/** One self-contained HTML page: inline style and script, nothing loaded from elsewhere but its images. */
export function htmlPage(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${body}
<script>${SCRIPT}</script>
</body>
</html>
`;
}
