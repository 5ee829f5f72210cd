import { useEffect, useState } from 'preact/hooks';
import type { ApiClient } from '../api/client.js';
import type { ApiError } from '../api/errors.js';
import { toApiError } from '../api/errors.js';

/** How many stored items one page of a history asks for. */
export const HISTORY_PAGE_SIZE = 12;

export interface HistoryPage<Item> {
  items: Item[];
  nextCursor: string | null;
}

export interface PagedHistory<Item> {
  items: Item[];
  cursor: string | null;
  loading: boolean;
  error: ApiError | null;
  /** Loads the first page again (cursor null) or appends the page after `cursor`. */
  load: (cursor: string | null, signal?: AbortSignal) => Promise<void>;
}

interface PagedHistoryOptions<Item> {
  api: ApiClient;
  fetchPage: (cursor: string | null, signal?: AbortSignal) => Promise<HistoryPage<Item>>;
  idOf: (item: Item) => string;
  /** What loading is called in an error ("Loading history"). */
  action: string;
  /** Changes whenever stored items changed: reload the first page. */
  version: number;
  tokenVersion: number;
  onUnauthorized: () => void;
}

/** A cursor-paginated list of stored items, newest first, loaded again whenever `version` or the token changes. */
export function usePagedHistory<Item>(options: PagedHistoryOptions<Item>): PagedHistory<Item> {
  const { api, fetchPage, idOf, action, version, tokenVersion, onUnauthorized } = options;
  const [state, setState] = useState<Omit<PagedHistory<Item>, 'load'>>({
    items: [],
    cursor: null,
    loading: true,
    error: null,
  });

  const load = async (cursor: string | null, signal?: AbortSignal) => {
    setState((previous) => ({ ...previous, loading: true, error: null }));
    try {
      const page = await fetchPage(cursor, signal);
      setState((previous) => {
        const items = cursor === null ? page.items : [...previous.items, ...page.items];
        const unique = [...new Map(items.map((item) => [idOf(item), item])).values()];
        return { items: unique, cursor: page.nextCursor, loading: false, error: null };
      });
    } catch (error) {
      const apiError = toApiError(error, action, api.baseUrl);
      if (apiError.kind === 'aborted') return;
      if (apiError.kind === 'unauthorized') onUnauthorized();
      setState((previous) => ({ ...previous, loading: false, error: apiError }));
    }
  };
  useEffect(() => {
    const controller = new AbortController();
    void load(null, controller.signal);
    return () => controller.abort();
  }, [api, version, tokenVersion]);

  return { ...state, load };
}
