import { checkedAgo, type StackStatus } from '../logic/readiness.js';

const BACKEND_TEXT = {
  ready: 'ready',
  degraded: 'degraded',
  unreachable: 'unreachable',
  checking: 'checking…',
} as const;

const MODEL_TEXT = {
  ready: 'ready',
  cold: 'cold (scaled to zero)',
  unavailable: 'unavailable',
  unknown: '—',
} as const;

function tone(state: string): 'ok' | 'warn' | 'bad' | 'idle' {
  if (state === 'ready') return 'ok';
  if (state === 'cold' || state === 'degraded') return 'warn';
  if (state === 'unreachable' || state === 'unavailable') return 'bad';
  return 'idle';
}

/** Backend and model-server readiness from `GET /ready`, announced politely when it changes. */
export function StatusBar({ status }: { status: StackStatus }) {
  const age = checkedAgo(status.modelServerCheckedAt);
  return (
    <div
      class="status-bar"
      role="status"
      aria-live="polite"
      aria-label="Service status"
      title={status.summary}
    >
      <span class={`pill pill-${tone(status.backend)}`} data-testid="backend-status">
        <span class="dot" aria-hidden="true" />
        Backend <strong>{BACKEND_TEXT[status.backend]}</strong>
      </span>
      <span class={`pill pill-${tone(status.modelServer)}`} data-testid="model-server-status">
        {status.modelServer === 'cold' ? (
          <span class="spinner spinner-small" aria-hidden="true" />
        ) : (
          <span class="dot" aria-hidden="true" />
        )}
        Model server <strong>{MODEL_TEXT[status.modelServer]}</strong>
        {age && <span class="pill-age">· {age}</span>}
      </span>
      <span class="visually-hidden">{status.summary}</span>
    </div>
  );
}
