/** Where the API token lives: the tab's sessionStorage, so it is gone when the tab closes. */
export const TOKEN_STORAGE_KEY = 'detection.apiToken';

type StorageLike = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

export class TokenStore {
  readonly #storage: StorageLike | null;
  #memory: string | null = null;

  /** Falls back to memory when sessionStorage is unavailable (privacy modes throw on access). */
  constructor(storage: StorageLike | null) {
    this.#storage = storage;
  }

  get(): string | null {
    try {
      return this.#storage?.getItem(TOKEN_STORAGE_KEY) ?? this.#memory;
    } catch {
      return this.#memory;
    }
  }

  set(token: string): void {
    const trimmed = token.trim().replace(/^Bearer\s+/i, '');
    if (trimmed === '') {
      this.clear();
      return;
    }
    this.#memory = trimmed;
    try {
      this.#storage?.setItem(TOKEN_STORAGE_KEY, trimmed);
    } catch {
      // storage full or forbidden: the in-memory copy still works for this page
    }
  }

  clear(): void {
    this.#memory = null;
    try {
      this.#storage?.removeItem(TOKEN_STORAGE_KEY);
    } catch {
      // nothing stored
    }
  }
}

/** The session store of the browser, or null outside one (or when access is denied). */
export function browserSessionStorage(): Storage | null {
  try {
    return typeof sessionStorage === 'undefined' ? null : sessionStorage;
  } catch {
    return null;
  }
}
