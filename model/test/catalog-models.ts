import path from 'node:path';
import sharp from 'sharp';
import { CATALOG, type CatalogEntry, SOURCE_PACKAGE } from '../src/repository/catalog.js';
import { sourcePackageDir } from '../src/repository/source-package.js';
import { loadTfjsGraphModel, type TfGraphModel } from '../src/tfjs/load-graph-model.js';

export function catalogEntry(name: string): CatalogEntry {
  const entry = CATALOG.find((candidate) => candidate.config.name === name);
  if (!entry) throw new Error(`no catalog model "${name}"`);
  return entry;
}

/** The original TF.js graph of a catalog model, from the installed source package. */
export function loadCatalogGraph(entry: CatalogEntry): Promise<TfGraphModel> {
  return loadTfjsGraphModel(path.join(sourcePackageDir(SOURCE_PACKAGE), entry.sourceFile));
}

/**
 * RGB pixels of an image (file or bytes) stretched to size x size (aspect ratio not kept, like the reference
 * library); grey images are expanded to RGB. sharp's linear kernel is not TensorFlow's resizeBilinear; parity
 * tests only need the same pixels fed to both models.
 */
async function stretchedPixels(image: string | Buffer, size: number): Promise<Uint8Array> {
  const { data } = await sharp(image)
    .rotate()
    .removeAlpha()
    .toColourspace('srgb')
    .resize(size, size, { fit: 'fill', kernel: 'linear' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** An image as the model's input tensor: stretched to its input size and scaled to its value range. */
export async function catalogModelInput(entry: CatalogEntry, image: string | Buffer): Promise<Float32Array> {
  const {
    width,
    value_range: [low, high],
  } = entry.config.preprocessing!;
  // 255 / (high - low) is exact for both models, so this is v and v / 127.5 - 1 to the last bit.
  const step = 255 / (high - low);
  return Float32Array.from(await stretchedPixels(image, width), (value) => low + value / step);
}
