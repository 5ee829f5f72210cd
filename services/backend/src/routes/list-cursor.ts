import { ApiError } from '../errors.js';

/** Where a newest-first list stopped: the last item's creation time and id (ties broken by id). */
export interface ListPosition {
  createdAt: number;
  id: string;
}

/** The opaque `next_cursor` of a list page. */
export const encodeCursor = (position: ListPosition): string =>
  Buffer.from(JSON.stringify([position.createdAt, position.id])).toString('base64url');

/** Reads a `cursor` query parameter back; anything this API did not hand out is a 400. */
export function decodeCursor(cursor: string): ListPosition {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (
      typeof createdAt === 'number' &&
      Number.isSafeInteger(createdAt) &&
      typeof id === 'string' &&
      id.length <= 64
    ) {
      return { createdAt, id };
    }
  } catch {
    // Falls through to the error below.
  }
  throw new ApiError(400, 'invalid query: cursor: is not a cursor returned by this API');
}
