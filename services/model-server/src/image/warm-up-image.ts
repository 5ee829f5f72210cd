import sharp from 'sharp';

let image: Promise<Uint8Array> | undefined;

/** A small grey JPEG that exercises the decoder, the resize and the model once before a model reports ready. */
export function warmUpImage(): Promise<Uint8Array> {
  image ??= sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 128, g: 128, b: 128 } } })
    .jpeg()
    .toBuffer()
    .then((buffer) => new Uint8Array(buffer));
  return image;
}
