import { describe, expect, it } from 'vitest';
import type { Deployment } from '../api/types.js';
import {
  checkDeployForm,
  deployQuestion,
  EMPTY_FORM,
  formFor,
  isChanging,
  pollDelayMs,
  replicasText,
  trafficText,
} from './deployments.js';

const deployment = (changes: Partial<Deployment> = {}): Deployment => ({
  name: 'blazeface',
  model: 'blazeface',
  target: 'local',
  state: 'ready',
  versions: { stable: '1', canary: '2', rolling_out: null, previous: null },
  traffic: [
    { version: '1', percent: 80 },
    { version: '2', percent: 20 },
  ],
  replicas: { current: null, min: 0, max: 2, scaling: 'not_applicable' },
  target_concurrency: 4,
  url: null,
  last_transition_time: '2026-12-05T23:58:12.031Z',
  failure_reason: null,
  message: 'ready',
  generation: 3,
  ...changes,
});

describe('deployments', () => {
  it('polls every second while something changes or this page just changed something, else every 15 s', () => {
    expect(isChanging([deployment(), deployment({ state: 'deploying' })])).toBe(true);
    expect(pollDelayMs([deployment()], false)).toBe(15_000);
    expect(pollDelayMs([deployment()], true)).toBe(1_000);
    expect(pollDelayMs([deployment({ state: 'deleting' })], false)).toBe(1_000);
  });

  it('says the traffic split and the replicas in words', () => {
    expect(trafficText(deployment())).toBe('v1 80 % · v2 20 %');
    expect(trafficText(deployment({ traffic: [] }))).toBe('no traffic yet');
    expect(replicasText(deployment())).toBe('not applicable locally');
    expect(replicasText(deployment({ replicas: { current: 0, min: 0, max: 3, scaling: 'applies' } }))).toBe(
      '0 running · 0–3',
    );
  });

  it('checks the form like the API does and says what is wrong', () => {
    const values = { ...EMPTY_FORM, model: 'blazeface' };
    expect(checkDeployForm(values)).toEqual({
      request: { model: 'blazeface', version: '1', min_replicas: 0, max_replicas: 1, target_concurrency: 4 },
    });
    expect(checkDeployForm({ ...values, model: '' })).toEqual({ error: 'Choose a model.' });
    expect(checkDeployForm({ ...values, version: 'latest' })).toEqual({
      error: 'The version is a whole number: 1, 2, …',
    });
    expect(checkDeployForm({ ...values, minReplicas: '3', maxReplicas: '2' })).toEqual({
      error: 'Minimum replicas (3) is more than maximum replicas (2).',
    });
    expect(checkDeployForm({ ...values, minReplicas: '-1' })).toMatchObject({
      error: expect.stringMatching(/0 to 100/),
    });
    expect(checkDeployForm({ ...values, maxReplicas: '100000' })).toMatchObject({
      error: expect.stringMatching(/1 to 100/),
    });
    expect(checkDeployForm({ ...values, mode: 'canary', canaryPercent: '100' })).toMatchObject({
      error: expect.stringMatching(/1 to 99/),
    });
    expect(checkDeployForm({ ...values, mode: 'canary', version: '2', canaryPercent: '25' })).toMatchObject({
      request: { version: '2', canary_percent: 25 },
    });
  });

  it('prefills the form for scale and canary, and asks a question that says what will happen', () => {
    expect(formFor(deployment(), 'scale')).toMatchObject({
      mode: 'scale',
      version: '1',
      minReplicas: '0',
      maxReplicas: '2',
    });
    expect(formFor(deployment(), 'canary')).toMatchObject({ mode: 'canary', version: '2' });
    const request = {
      model: 'blazeface',
      version: '2',
      min_replicas: 0,
      max_replicas: 2,
      target_concurrency: 4,
    };
    expect(deployQuestion(request, 'deploy')).toBe('Deploy version 2 of blazeface?');
    expect(deployQuestion({ ...request, canary_percent: 20 }, 'canary')).toBe(
      'Start version 2 of blazeface as a canary for 20 % of requests?',
    );
    expect(deployQuestion(request, 'scale')).toBe('Scale blazeface to 0–2 replicas, 4 requests each?');
  });
});
