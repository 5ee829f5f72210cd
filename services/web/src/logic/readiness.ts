import type { ApiError } from '../api/errors.js';
import type { ReadyReport } from '../api/types.js';

export type BackendState = 'ready' | 'degraded' | 'unreachable' | 'checking';
export type ModelServerState = 'ready' | 'cold' | 'unavailable' | 'unknown';

export interface StackStatus {
  backend: BackendState;
  modelServer: ModelServerState;
  /** One sentence for the status bar's accessible description. */
  summary: string;
  /** Failing checks other than the model server, e.g. ["storage"]. */
  failingChecks: string[];
}

export const CHECKING: StackStatus = {
  backend: 'checking',
  modelServer: 'unknown',
  summary: 'Checking the backend…',
  failingChecks: [],
};

function checkStatus(check: unknown): string | null {
  if (typeof check !== 'object' || check === null) return null;
  const status = (check as Record<string, unknown>).status;
  return typeof status === 'string' ? status.toLowerCase() : null;
}

const OK_STATES = new Set(['ok', 'ready', 'up', 'healthy', 'pass']);

function modelServerState(status: string | null): ModelServerState {
  if (status === null) return 'unknown';
  if (OK_STATES.has(status)) return 'ready';
  if (status === 'cold' || status === 'scaled_to_zero' || status === 'starting') return 'cold';
  return 'unavailable';
}

/** Reads the backend's `GET /ready` report (or the failure to get one) into what the status bar shows. */
export function interpretReadiness(report: ReadyReport | null, error: ApiError | null = null): StackStatus {
  if (report === null) {
    return {
      backend: 'unreachable',
      modelServer: 'unknown',
      summary: error?.title ?? 'The backend cannot be reached.',
      failingChecks: [],
    };
  }
  const modelServer = modelServerState(checkStatus(report.checks.model_server));
  const failingChecks = Object.entries(report.checks)
    .filter(([name, check]) => name !== 'model_server' && !OK_STATES.has(checkStatus(check) ?? 'ok'))
    .map(([name]) => name);
  const backend: BackendState = failingChecks.length > 0 ? 'degraded' : 'ready';
  const parts = [
    backend === 'ready' ? 'Backend ready' : `Backend degraded (${failingChecks.join(', ')} failing)`,
    {
      ready: 'model server ready',
      cold: 'model server scaled to zero: the first detection starts it and takes longer',
      unavailable: 'model server unavailable',
      unknown: 'model server state unknown',
    }[modelServer],
  ];
  return { backend, modelServer, summary: `${parts.join('; ')}.`, failingChecks };
}

/** How often to poll `/ready`: fast while something is starting or broken, slow when all is well. */
export function pollInterval(status: StackStatus, busy: boolean): number {
  if (busy || status.modelServer === 'cold') return 1000;
  if (status.backend !== 'ready' || status.modelServer !== 'ready') return 5000;
  return 15000;
}
