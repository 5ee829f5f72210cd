import { describe, expect, it } from 'vitest';
import { nameForPastedFile, pickFile, validateImageUrl, validateVideoUrl } from './upload-input.js';

describe('validateVideoUrl', () => {
  it('accepts what validateImageUrl accepts and words its errors for a video', () => {
    expect(validateVideoUrl(' https://example.com/clip.mp4 ')).toEqual({
      ok: true,
      url: 'https://example.com/clip.mp4',
    });
    expect(validateVideoUrl('')).toEqual({ ok: false, error: 'Enter the URL of a video.' });
    expect(validateVideoUrl('example.com/a.mp4')).toEqual({
      ok: false,
      error: 'This is not a valid URL. It should look like https://example.com/clip.mp4.',
    });
  });
});

describe('validateImageUrl', () => {
  it('accepts http(s) URLs and normalises them', () => {
    expect(validateImageUrl('  https://example.com/a b.jpg ')).toEqual({
      ok: true,
      url: 'https://example.com/a%20b.jpg',
    });
  });

  it('explains what is wrong with other input', () => {
    expect(validateImageUrl('')).toMatchObject({ ok: false, error: 'Enter the URL of an image.' });
    expect(validateImageUrl('example.com/a.jpg')).toMatchObject({ ok: false });
    expect(validateImageUrl('file:///etc/passwd')).toMatchObject({
      ok: false,
      error: expect.stringContaining('not file'),
    });
    expect(validateImageUrl('https://user:pw@example.com/a.jpg')).toMatchObject({ ok: false });
  });
});

describe('pickFile and nameForPastedFile', () => {
  it('prefers an image among dropped files', () => {
    const text = new File(['x'], 'notes.txt', { type: 'text/plain' });
    const photo = new File(['x'], 'photo.jpg', { type: 'image/jpeg' });
    expect(pickFile([text, photo])).toBe(photo);
    expect(pickFile([text])).toBe(text);
    expect(pickFile([])).toBeNull();
  });

  it('names pasted screenshots by time', () => {
    const pasted = new File(['x'], 'image.png', { type: 'image/png' });
    expect(nameForPastedFile(pasted, new Date('2026-01-10T12:34:56.789Z'))).toBe(
      'pasted-2026-01-10T12-34-56Z.png',
    );
    expect(nameForPastedFile(new File(['x'], 'cat.webp', { type: 'image/webp' }))).toBe('cat.webp');
  });
});
