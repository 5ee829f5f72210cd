import sharp from 'sharp';

/**
 * How many pixels of the annotated image are close to `colour` (#rrggbb) where the original photo is not: the
 * pixels that the drawn boxes and captions added in that colour.
 */
export async function pixelsAdded(original: string, annotated: string, colour: string): Promise<number> {
  const [r, g, b] = [1, 3, 5].map((i) => Number.parseInt(colour.slice(i, i + 2), 16)) as [
    number,
    number,
    number,
  ];
  const read = (file: string) =>
    sharp(file).autoOrient().removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const [before, after] = await Promise.all([read(original), read(annotated)]);
  const close = (data: Buffer, i: number) =>
    Math.abs(data[i]! - r) < 40 && Math.abs(data[i + 1]! - g) < 40 && Math.abs(data[i + 2]! - b) < 40;
  let count = 0;
  for (let i = 0; i < after.data.length; i += after.info.channels) {
    if (close(after.data, i) && !close(before.data, i)) count++;
  }
  return count;
}
