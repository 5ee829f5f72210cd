import { describe, expect, it } from 'vitest';
import { progressBar } from './progress.js';

function fakeStream(isTTY: boolean) {
  const written: string[] = [];
  const stream = { isTTY, write: (text: string) => written.push(text) > 0 } as unknown as NodeJS.WriteStream;
  return { stream, written };
}

describe('progressBar', () => {
  it('Should redraw one line on a terminal and end it when done', () => {
    const { stream, written } = fakeStream(true);
    const bar = progressBar('Evaluating', stream);
    bar.update(1, 4);
    bar.update(4, 4);
    expect(written[0]).toMatch(/^\rEvaluating \[█{8}░{22}\] 1\/4 · \d+\.\d s · \d+ s left/);
    expect(written[0]!.endsWith('\u001b[K')).toBe(true);
    expect(written[1]).toMatch(/^\rEvaluating \[█{30}\] 4\/4/);
    expect(written[2]).toBe('\n');
  });

  it('Should write nothing when the output is not a terminal (a log file, CI)', () => {
    const { stream, written } = fakeStream(false);
    const bar = progressBar('Evaluating', stream);
    bar.update(1, 2);
    bar.update(2, 2);
    expect(written).toEqual([]);
  });
});
