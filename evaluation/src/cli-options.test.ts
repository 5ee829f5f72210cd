import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCliOptions, UsageError } from './cli-options.js';

const defaults = { repoRoot: '/repo', now: new Date('2026-11-22T08:30:00.123Z') };
const parse = (args: string[], env: NodeJS.ProcessEnv = { INIT_CWD: '/home/me/work' }) =>
  parseCliOptions(args, env, defaults);

describe('parseCliOptions', () => {
  it('Should resolve paths from the directory pnpm was called in and fill in the defaults', () => {
    expect(parse(['--dataset', '../data/coco'])).toEqual({
      command: 'evaluate',
      dataset: path.resolve('/home/me/work', '../data/coco'),
      out: '/repo/evaluation/results/coco-20261122T083000Z',
      model: 'centernet-coco',
      scoreThreshold: 0.2,
      iouThreshold: 0.5,
      minScore: 0.001,
      timeoutSeconds: 120,
      images: true,
    });
  });

  it('Should take every option', () => {
    const options = parse(
      [
        '--dataset=/d',
        '--url',
        'http://127.0.0.1:9090',
        '--model',
        'blazeface',
        '--out',
        'report',
        '--score-threshold',
        '0.35',
        '--iou-threshold',
        '0.6',
        '--min-score',
        '0',
        '--format',
        'yolo',
        '--token',
        't0ken',
        '--timeout',
        '5',
        '--no-images',
      ],
      { INIT_CWD: '/w', API_TOKEN: 'from-env' },
    );
    expect(options).toEqual({
      command: 'evaluate',
      dataset: '/d',
      url: 'http://127.0.0.1:9090',
      model: 'blazeface',
      out: '/w/report',
      scoreThreshold: 0.35,
      iouThreshold: 0.6,
      minScore: 0,
      format: 'yolo',
      token: 't0ken',
      timeoutSeconds: 5,
      images: false,
    });
    expect(parse(['--dataset', '/d'], { API_TOKEN: 'from-env' })).toMatchObject({ token: 'from-env' });
  });

  it('Should re-score a results file with --detections, taking only the options that need no model', () => {
    expect(
      parse(
        ['--dataset', 'data', '--detections', 'runs/other.json', '--score-threshold', '0.3', '--no-images'],
        {
          INIT_CWD: '/w',
          API_TOKEN: 'set-in-the-environment',
        },
      ),
    ).toEqual({
      command: 'rescore',
      dataset: '/w/data',
      detections: '/w/runs/other.json',
      out: '/repo/evaluation/results/data-20261122T083000Z',
      scoreThreshold: 0.3,
      iouThreshold: 0.5,
      images: false,
    });
  });

  it('Should compare two reports with --compare, into --out or a dated folder', () => {
    expect(parse(['--compare', 'a/report.json', 'b'], { INIT_CWD: '/w' })).toEqual({
      command: 'compare',
      a: '/w/a/report.json',
      b: '/w/b',
      out: '/repo/evaluation/results/compare-20261122T083000Z',
    });
    expect(parse(['--compare', '/a', '/b', '--out', 'cmp'], { INIT_CWD: '/w' })).toMatchObject({
      out: '/w/cmp',
    });
  });

  it('Should answer --help', () => {
    expect(parse(['--help'])).toBe('help');
    expect(parse(['-h'])).toBe('help');
  });

  it.each([
    [[], /--dataset DIR is required/],
    [['--dataset'], /argument missing|--dataset/],
    [['--dataset', '/d', '--bogus'], /Unknown option '--bogus'/],
    [['--dataset', '/d', 'extra'], /positional/],
    [['--dataset', '/d', '--score-threshold', '1.5'], /--score-threshold must be between 0 and 1/],
    [['--dataset', '/d', '--score-threshold', 'high'], /--score-threshold must be a number/],
    [['--dataset', '/d', '--iou-threshold', '0'], /--iou-threshold must be above 0/],
    [['--dataset', '/d', '--url', 'ftp://x'], /--url must be an http\(s\) URL/],
    [['--dataset', '/d', '--url', 'not a url'], /--url must be an http\(s\) URL/],
    [['--dataset', '/d', '--model', '../etc'], /--model must be a model name/],
    [['--dataset', '/d', '--format', 'voc'], /--format must be coco or yolo/],
    [['--dataset', '/d', '--timeout=-1'], /--timeout must be above 0/],
    [
      ['--dataset', '/d', '--detections', 'f.json', '--url', 'http://127.0.0.1:1', '--min-score', '0.1'],
      /--detections scores a results file without a model: --url, --min-score cannot be used with it/,
    ],
    [['--detections', 'f.json'], /--dataset DIR is required/],
    [['--compare', 'a'], /--compare needs two reports \(report.json files or their folders\), got 1/],
    [['--compare', 'a', 'b', 'c'], /got 3/],
    [['--compare', 'a', 'b', '--dataset', '/d'], /--compare takes only two reports and --out, not --dataset/],
  ])('Should refuse %j with a usage error', (args, message) => {
    expect(() => parse(args)).toThrow(UsageError);
    expect(() => parse(args)).toThrow(message);
  });
});
