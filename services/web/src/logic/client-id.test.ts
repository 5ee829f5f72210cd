import { describe, expect, it } from 'vitest';
import { CLIENT_ID_STORAGE_KEY, clientIdFrom } from './client-id.js';

function memoryStorage(initial: Record<string, string> = {}) {
  const values = new Map(Object.entries(initial));
  return {
    values,
    getItem: (key: string) => values.get(key) ?? null,
    setItem: (key: string, value: string) => void values.set(key, value),
  };
}

describe('clientIdFrom', () => {
  it('Should make one id, keep it, and give it back on the next page load', () => {
    const storage = memoryStorage();
    const first = clientIdFrom(storage);
    expect(first).toMatch(/^web-[0-9a-f-]{36}$/);
    expect(storage.values.get(CLIENT_ID_STORAGE_KEY)).toBe(first);
    expect(clientIdFrom(storage)).toBe(first);
  });

  it('Should replace a stored value the backend would refuse, and work without storage', () => {
    const storage = memoryStorage({ [CLIENT_ID_STORAGE_KEY]: 'has a space' });
    expect(clientIdFrom(storage, () => 'fixed')).toBe('web-fixed');
    const refusing = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('SecurityError');
      },
    };
    expect(clientIdFrom(refusing, () => 'once')).toBe('web-once');
    expect(clientIdFrom(null, () => 'none')).toBe('web-none');
  });
});
