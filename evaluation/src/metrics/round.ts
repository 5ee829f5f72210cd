/** `value` rounded to `decimals` decimal places. */
export const roundTo = (value: number, decimals: number) =>
  Math.round(value * 10 ** decimals) / 10 ** decimals;
