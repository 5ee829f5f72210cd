import type { ComponentChildren } from 'preact';
import type { PagedHistory } from './history-hook.js';

interface HistoryCardProps {
  history: PagedHistory<unknown>;
  headingId: string;
  heading: string;
  listTestId: string;
  /** Shown when nothing is stored yet. */
  emptyText: string;
  moreLabel: string;
  /** The list items of the loaded pages. */
  children: ComponentChildren;
}

/** The card around a history: heading, Refresh, the error, the empty hint, the list, Loading… and Load older. */
export function HistoryCard(props: HistoryCardProps) {
  const { history, headingId, heading, listTestId, emptyText, moreLabel, children } = props;
  return (
    <section class="card history" aria-labelledby={headingId} aria-busy={history.loading}>
      <div class="history-header">
        <h2 id={headingId}>{heading}</h2>
        <button
          type="button"
          class="button button-quiet button-small"
          onClick={() => void history.load(null)}
          disabled={history.loading}
        >
          Refresh
        </button>
      </div>
      {history.error && (
        <p class="alert alert-error alert-inline" role="alert">
          {history.error.title}
          {history.error.detail ? ` ${history.error.detail}` : ''}
        </p>
      )}
      {!history.loading && !history.error && history.items.length === 0 && (
        <p class="hint history-empty">{emptyText}</p>
      )}
      <ol class="history-list" data-testid={listTestId}>
        {children}
      </ol>
      {history.loading && (
        <p class="hint history-loading">
          <span class="spinner spinner-small" aria-hidden="true" /> Loading…
        </p>
      )}
      {history.cursor !== null && !history.loading && (
        <button
          type="button"
          class="button button-quiet history-more"
          onClick={() => void history.load(history.cursor)}
        >
          {moreLabel}
        </button>
      )}
    </section>
  );
}
