/** 8-bit interleaved RGB pixels, row-major. */
export interface RgbImage {
  width: number;
  height: number;
  pixels: Uint8Array;
}
