import { describe, expect, it } from 'vitest';
import { TOKEN_STORAGE_KEY, TokenStore } from './token-store.js';

/** A Storage with the Web Storage API's semantics (string values, null when missing). */
class MapStorage {
  readonly values = new Map<string, string>();
  getItem(key: string) {
    return this.values.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.values.set(key, String(value));
  }
  removeItem(key: string) {
    this.values.delete(key);
  }
}

describe('TokenStore', () => {
  it('stores a trimmed token, strips a pasted "Bearer " prefix, and clears it', () => {
    const storage = new MapStorage();
    const store = new TokenStore(storage);
    expect(store.get()).toBeNull();
    store.set('  Bearer s3cret \n');
    expect(storage.values.get(TOKEN_STORAGE_KEY)).toBe('s3cret');
    expect(new TokenStore(storage).get()).toBe('s3cret');
    store.set('   ');
    expect(store.get()).toBeNull();
    expect(storage.values.has(TOKEN_STORAGE_KEY)).toBe(false);
  });

  it('keeps working in memory when storage throws (privacy modes)', () => {
    const throwing = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('SecurityError');
      },
      removeItem: () => {
        throw new Error('SecurityError');
      },
    };
    const store = new TokenStore(throwing);
    store.set('abc');
    expect(store.get()).toBe('abc');
    store.clear();
    expect(store.get()).toBeNull();
  });

  it('works without any storage', () => {
    const store = new TokenStore(null);
    store.set('xyz');
    expect(store.get()).toBe('xyz');
  });
});
