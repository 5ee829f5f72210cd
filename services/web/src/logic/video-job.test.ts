import { describe, expect, it } from 'vitest';
import { jobFinished, jobFraction, jobStateText } from './video-job.js';

describe('video job', () => {
  it('knows which states are final', () => {
    expect(['queued', 'running'].map(jobFinished)).toEqual([false, false]);
    expect(['completed', 'failed', 'cancelled'].map(jobFinished)).toEqual([true, true, true]);
  });

  it('answers the share of frames done, 0 before the total is known and 1 once completed', () => {
    expect(jobFraction({ state: 'running', frames_done: 5, frames_total: 20 })).toBe(0.25);
    expect(jobFraction({ state: 'queued', frames_done: 0, frames_total: 0 })).toBe(0);
    expect(jobFraction({ state: 'running', frames_done: 21, frames_total: 20 })).toBe(1);
    expect(jobFraction({ state: 'completed', frames_done: 19, frames_total: 19 })).toBe(1);
  });

  it('words each state', () => {
    expect(jobStateText('queued')).toBe('waiting for a worker');
    expect(jobStateText('running')).toBe('detecting objects');
    expect(jobStateText('cancelled')).toBe('cancelled');
  });
});
