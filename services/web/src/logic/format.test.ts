import { describe, expect, it } from 'vitest';
import {
  formatBytes,
  formatCount,
  formatElapsed,
  formatEta,
  formatMediaTime,
  formatPoint,
  formatRelativeTime,
  formatScore,
  shortId,
} from './format.js';

describe('format', () => {
  it('counts with the plural only when the count is not one', () => {
    expect(formatCount(0, 'object')).toBe('0 objects');
    expect(formatCount(1, 'detected object')).toBe('1 detected object');
    expect(formatCount(2, 'object')).toBe('2 objects');
  });

  it('formats byte sizes', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(20 * 1024 * 1024)).toBe('20 MB');
    expect(formatBytes(-1)).toBe('—');
  });

  it('formats scores as percentages', () => {
    expect(formatScore(0.8734)).toBe('87%');
    expect(formatScore(0.0512)).toBe('5.1%');
    expect(formatScore(1)).toBe('100%');
    expect(formatScore(0)).toBe('0%');
  });

  it('formats elapsed time for the progress line', () => {
    expect(formatElapsed(400)).toBe('0.4 s');
    expect(formatElapsed(12_900)).toBe('12 s');
    expect(formatElapsed(65_000)).toBe('1 min 05 s');
    expect(formatElapsed(-5)).toBe('0.0 s');
  });

  it('formats times relative to now', () => {
    const now = Date.parse('2026-01-10T12:00:00Z');
    expect(formatRelativeTime('2026-01-10T11:59:50Z', now)).toBe('just now');
    expect(formatRelativeTime('2026-01-10T11:55:00Z', now)).toBe('5 min ago');
    expect(formatRelativeTime('2026-01-10T09:00:00Z', now)).toBe('3 h ago');
    expect(formatRelativeTime('2025-12-01T00:00:00Z', now)).toMatch(/2025/);
    expect(formatRelativeTime('not a date', now)).toBe('not a date');
  });

  it('formats points and ids', () => {
    expect(formatPoint([12.345, 6.7])).toBe('12, 7');
    expect(shortId('a'.repeat(64))).toBe('aaaaaaaaaaaa');
  });

  it('words the time left of a video job, from the estimate in seconds', () => {
    expect(formatEta(null)).toBe('estimating time left…');
    expect(formatEta(Number.NaN)).toBe('estimating time left…');
    expect(formatEta(0)).toBe('less than 5 s left');
    expect(formatEta(4.9)).toBe('less than 5 s left');
    expect(formatEta(12)).toBe('about 10 s left');
    expect(formatEta(58)).toBe('about 60 s left');
    expect(formatEta(90)).toBe('about 2 min left');
    expect(formatEta(3599)).toBe('about 60 min left');
    expect(formatEta(3600 + 5 * 60)).toBe('about 1 h 05 min left');
  });

  it('writes a media time with tenths of a second', () => {
    expect(formatMediaTime(0)).toBe('0:00.0');
    expect(formatMediaTime(3.25)).toBe('0:03.2');
    expect(formatMediaTime(0.3)).toBe('0:00.3');
    expect(formatMediaTime(754)).toBe('12:34.0');
    expect(formatMediaTime(3725)).toBe('1:02:05.0');
    expect(formatMediaTime(-1)).toBe('—');
  });
});
