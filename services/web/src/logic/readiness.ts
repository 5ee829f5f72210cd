import type { ApiError } from '../api/errors.js';
import type { ReadyReport } from '../api/types.js';

export type BackendState = 'ready' | 'degraded' | 'unreachable' | 'checking';
export type ModelServerState = 'ready' | 'cold' | 'unavailable' | 'unknown';

export interface StackStatus {
  backend: BackendState;
  modelServer: ModelServerState;
  /** When the model server was last actually asked (ms since epoch), null if never. */
  modelServerCheckedAt: number | null;
  /** One sentence for the status bar's accessible description. */
  summary: string;
  /** Failing checks other than the model server, e.g. ["storage"]. */
  failingChecks: string[];
}

export const CHECKING: StackStatus = {
  backend: 'checking',
  modelServer: 'unknown',
  modelServerCheckedAt: null,
  summary: 'Checking the backend…',
  failingChecks: [],
};

function checkStatus(check: unknown): string | null {
  if (typeof check !== 'object' || check === null) return null;
  const status = (check as Record<string, unknown>).status;
  return typeof status === 'string' ? status.toLowerCase() : null;
}

const OK_STATES = new Set(['ok', 'ready', 'up', 'healthy', 'pass']);

/** null = the model server was not asked this time (`skipped`), so the previous answer still stands. */
function modelServerState(status: string | null): ModelServerState | null {
  if (status === null || status === 'skipped') return null;
  if (OK_STATES.has(status)) return 'ready';
  if (status === 'cold' || status === 'scaled_to_zero' || status === 'starting') return 'cold';
  return 'unavailable';
}

const MODEL_SERVER_TEXT: Record<ModelServerState, string> = {
  ready: 'model server ready',
  cold: 'model server scaled to zero: the first detection starts it and takes longer',
  unavailable: 'model server unavailable',
  unknown: 'model server state unknown',
};

/**
 * Reads the backend's `GET /ready` report (or the failure to get one) into what the status bar shows.
 * A report that skipped the model server keeps the model-server state of `previous`.
 */
export function interpretReadiness(
  report: ReadyReport | null,
  error: ApiError | null = null,
  previous: StackStatus = CHECKING,
  now: number = Date.now(),
): StackStatus {
  if (report === null) {
    return {
      backend: 'unreachable',
      modelServer: 'unknown',
      modelServerCheckedAt: null,
      summary: error?.title ?? 'The backend cannot be reached.',
      failingChecks: [],
    };
  }
  const asked = modelServerState(checkStatus(report.checks.model_server));
  const modelServer = asked ?? previous.modelServer;
  const modelServerCheckedAt = asked === null ? previous.modelServerCheckedAt : now;
  const failingChecks = Object.entries(report.checks)
    .filter(([name, check]) => name !== 'model_server' && !OK_STATES.has(checkStatus(check) ?? 'ok'))
    .map(([name]) => name);
  const backend: BackendState = failingChecks.length > 0 ? 'degraded' : 'ready';
  const backendText =
    backend === 'ready' ? 'Backend ready' : `Backend degraded (${failingChecks.join(', ')} failing)`;
  return {
    backend,
    modelServer,
    modelServerCheckedAt,
    summary: `${backendText}; ${MODEL_SERVER_TEXT[modelServer]}.`,
    failingChecks,
  };
}

export interface PollPlan {
  /** Milliseconds until the next `GET /ready`. */
  delay: number;
  /** Whether that request asks the model server too. */
  askModelServer: boolean;
}

/**
 * How to poll `/ready`. Asking about the model server goes through to the predictor, and on Knative any request
 * counts as traffic: polling it while idle would keep a scaled-to-zero predictor awake forever. So the model
 * server is asked only while a detection runs (it is being woken anyway) or right after; otherwise only the
 * backend's own checks are polled, and the last model-server answer is shown with its age.
 */
export function planNextPoll(status: StackStatus, busy: boolean): PollPlan {
  if (busy) return { delay: 1000, askModelServer: true };
  if (status.backend === 'unreachable' || status.backend === 'degraded') {
    return { delay: 5000, askModelServer: false };
  }
  return { delay: 15000, askModelServer: false };
}

/** "checked 3 min ago" for a model-server answer older than a minute; '' when fresh or never asked. */
export function checkedAgo(checkedAt: number | null, now: number = Date.now()): string {
  if (checkedAt === null) return '';
  const seconds = Math.round((now - checkedAt) / 1000);
  if (seconds < 60) return '';
  const minutes = Math.round(seconds / 60);
  return minutes < 60 ? `checked ${minutes} min ago` : `checked ${Math.round(minutes / 60)} h ago`;
}
