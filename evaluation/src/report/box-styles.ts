import { FALSE_POSITIVE_REASONS, type FalsePositiveReason } from '../metrics/failure-analysis.js';

/** What a drawn box shows: a detection's verdict at the operating point, or an object that was missed. */
export type BoxKind = 'tp' | `fp-${FalsePositiveReason}` | 'missed' | 'crowd' | 'ignored';

export interface BoxStyle {
  colour: string;
  /** Caption text colour, readable on `colour`. */
  text: string;
  dashed: boolean;
  legend: string;
}

export const REASON_NAMES: Record<FalsePositiveReason, string> = {
  duplicate: 'duplicate',
  wrong_class: 'wrong class',
  localisation: 'poor localisation',
  class_and_localisation: 'wrong class and poor localisation',
  background: 'background',
};

/** Short forms for tight table cells. */
export const REASON_SHORT_NAMES: Record<FalsePositiveReason, string> = {
  duplicate: 'dup',
  wrong_class: 'cls',
  localisation: 'loc',
  class_and_localisation: 'cls+loc',
  background: 'bkg',
};

const REASON_COLOURS: Record<FalsePositiveReason, { colour: string; text: string }> = {
  duplicate: { colour: '#9c27b0', text: '#fff' },
  wrong_class: { colour: '#ff9800', text: '#000' },
  localisation: { colour: '#ffd600', text: '#000' },
  class_and_localisation: { colour: '#e91e63', text: '#fff' },
  background: { colour: '#e8222e', text: '#fff' },
};

/** One palette for the annotated images and the report's legend. */
export const BOX_STYLES: Record<BoxKind, BoxStyle> = {
  tp: { colour: '#1fbf3a', text: '#fff', dashed: false, legend: 'true positive' },
  ...(Object.fromEntries(
    FALSE_POSITIVE_REASONS.map((reason) => [
      `fp-${reason}`,
      { ...REASON_COLOURS[reason], dashed: false, legend: `false positive: ${REASON_NAMES[reason]}` },
    ]),
  ) as Record<`fp-${FalsePositiveReason}`, BoxStyle>),
  missed: { colour: '#1e88e5', text: '#fff', dashed: true, legend: 'missed object' },
  crowd: { colour: '#9e9e9e', text: '#fff', dashed: true, legend: 'crowd region' },
  ignored: {
    colour: '#9e9e9e',
    text: '#fff',
    dashed: false,
    legend: 'detection in a crowd region (ignored)',
  },
};

export const BOX_KINDS = Object.keys(BOX_STYLES) as BoxKind[];
