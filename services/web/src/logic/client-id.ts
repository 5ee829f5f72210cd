/** Where this browser's client id lives (localStorage: one id per browser, kept across tabs and reloads). */
export const CLIENT_ID_STORAGE_KEY = 'detection.clientId';

type StorageLike = Pick<Storage, 'getItem' | 'setItem'>;

/**
 * The id sent as `X-Client-Id` with every request, so that during a canary the backend sends this browser to one
 * model version (the same on every upload). Made once and kept; without storage, one per page load.
 */
export function clientIdFrom(
  storage: StorageLike | null,
  newId: () => string = () => crypto.randomUUID(),
): string {
  try {
    const known = storage?.getItem(CLIENT_ID_STORAGE_KEY);
    if (known && /^[\x21-\x7e]{1,200}$/.test(known)) return known;
  } catch {
    // storage forbidden (privacy modes): an id for this page load
  }
  const id = `web-${newId()}`;
  try {
    storage?.setItem(CLIENT_ID_STORAGE_KEY, id);
  } catch {
    // as above
  }
  return id;
}

/** localStorage, or null where the browser refuses it. */
export function browserLocalStorage(): Storage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}
