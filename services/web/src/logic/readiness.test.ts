import { describe, expect, it } from 'vitest';
import type { ReadyReport } from '../api/types.js';
import { CHECKING, checkedAgo, interpretReadiness, planNextPoll } from './readiness.js';

const report = (modelServer: string, storage = 'ok'): ReadyReport => ({
  status: storage === 'ok' ? 'ready' : 'not_ready',
  checks: {
    database: { status: 'ok' },
    storage: { status: storage, backend: 'fs' },
    model_server: { status: modelServer, url: 'http://127.0.0.1:8080' },
  },
});

describe('interpretReadiness', () => {
  it('reads ready, cold and unavailable model servers', () => {
    expect(interpretReadiness(report('ready'), null, CHECKING, 1000)).toMatchObject({
      backend: 'ready',
      modelServer: 'ready',
      modelServerCheckedAt: 1000,
    });
    const cold = interpretReadiness(report('cold'));
    expect(cold.modelServer).toBe('cold');
    expect(cold.summary).toContain('scaled to zero');
    expect(interpretReadiness(report('unavailable')).modelServer).toBe('unavailable');
  });

  it('keeps the previous model-server answer when the backend skipped asking', () => {
    const before = interpretReadiness(report('ready'), null, CHECKING, 1000);
    const after = interpretReadiness(report('skipped'), null, before, 5000);
    expect(after.modelServer).toBe('ready');
    expect(after.modelServerCheckedAt).toBe(1000);
  });

  it('reports failing backend checks and an unreachable backend', () => {
    expect(interpretReadiness(report('ready', 'error'))).toMatchObject({
      backend: 'degraded',
      failingChecks: ['storage'],
    });
    expect(interpretReadiness(null).backend).toBe('unreachable');
  });
});

describe('planNextPoll', () => {
  it('asks the model server only while a job runs, so an idle page never keeps a predictor awake', () => {
    const ready = interpretReadiness(report('ready'));
    expect(planNextPoll(ready, true)).toEqual({ delay: 1000, askModelServer: true });
    expect(planNextPoll(ready, false)).toEqual({ delay: 15000, askModelServer: false });
    expect(planNextPoll(interpretReadiness(report('cold')), false).askModelServer).toBe(false);
    expect(planNextPoll(interpretReadiness(null), false)).toEqual({ delay: 5000, askModelServer: false });
  });
});

describe('checkedAgo', () => {
  it('shows the age of an old model-server answer only', () => {
    expect(checkedAgo(null)).toBe('');
    expect(checkedAgo(0, 30_000)).toBe('');
    expect(checkedAgo(0, 180_000)).toBe('checked 3 min ago');
    expect(checkedAgo(0, 7_200_000)).toBe('checked 2 h ago');
  });
});
