import { escapeHtml } from './page.js';

export interface Series {
  name: string;
  colour: string;
  /** One value per x, in 0..1; null leaves a gap. */
  values: readonly (number | null)[];
}

export interface Marker {
  x: number;
  colour: string;
  label: string;
}

/**
 * A line chart as inline SVG, both axes 0..1: one polyline per run of defined values of each series, a legend,
 * and optional vertical markers.
 */
export function lineChartSvg(options: {
  x: readonly number[];
  series: readonly Series[];
  size: { w: number; h: number };
  xLabel: string;
  yLabel: string;
  markers?: readonly Marker[];
  ariaLabel: string;
}): string {
  const { size } = options;
  const pad = { left: 34, right: 8, top: 8, bottom: 28 };
  const plotW = size.w - pad.left - pad.right;
  const plotH = size.h - pad.top - pad.bottom;
  const x = (v: number) => (pad.left + v * plotW).toFixed(1);
  const y = (v: number) => (pad.top + (1 - v) * plotH).toFixed(1);
  const grid = [0, 0.25, 0.5, 0.75, 1]
    .map(
      (v) =>
        `<line x1="${x(0)}" y1="${y(v)}" x2="${x(1)}" y2="${y(v)}" class="grid"/>` +
        `<line x1="${x(v)}" y1="${y(0)}" x2="${x(v)}" y2="${y(1)}" class="grid"/>` +
        `<text x="${pad.left - 4}" y="${Number(y(v)) + 4}" text-anchor="end">${v}</text>` +
        `<text x="${x(v)}" y="${size.h - pad.bottom + 14}" text-anchor="middle">${v}</text>`,
    )
    .join('');
  const lines = options.series
    .flatMap((s) => {
      const runs: string[][] = [[]];
      s.values.forEach((value, i) => {
        if (value === null) runs.push([]);
        else runs[runs.length - 1]!.push(`${x(options.x[i]!)},${y(value)}`);
      });
      return runs
        .filter((points) => points.length > 0)
        .map(
          (points) =>
            `<polyline fill="none" stroke="${s.colour}" stroke-width="1.8" points="${points.join(' ')}"><title>${escapeHtml(s.name)}</title></polyline>`,
        );
    })
    .join('');
  const markers = (options.markers ?? [])
    .map(
      (marker, i) =>
        `<line class="marker" x1="${x(marker.x)}" y1="${y(0)}" x2="${x(marker.x)}" y2="${y(1)}" stroke="${marker.colour}" stroke-dasharray="4 3"/>` +
        `<text x="${Number(x(marker.x)) + 3}" y="${pad.top + 10 + i * 12}" style="fill:${marker.colour}">${escapeHtml(marker.label)}</text>`,
    )
    .join('');
  const legend = options.series
    .map(
      (s, i) =>
        `<g transform="translate(${size.w - pad.right - 120},${pad.top + 6 + i * 15})"><rect width="10" height="3" y="-4" fill="${s.colour}"/><text x="14" y="0">${escapeHtml(s.name)}</text></g>`,
    )
    .join('');
  return `<svg class="chart" viewBox="0 0 ${size.w} ${size.h}" width="${size.w}" height="${size.h}" role="img" aria-label="${escapeHtml(options.ariaLabel)}">${grid}${lines}${markers}${legend}<text x="${pad.left + plotW / 2}" y="${size.h - 2}" text-anchor="middle">${escapeHtml(options.xLabel)}</text><text transform="translate(10,${pad.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeHtml(options.yLabel)}</text></svg>`;
}
