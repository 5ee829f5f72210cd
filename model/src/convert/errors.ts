/** A graph the converter cannot translate faithfully; the message always names the offending node. */
export class ConversionError extends Error {
  override name = 'ConversionError';
}
