export type UrlCheck = { ok: true; url: string } | { ok: false; error: string };

/** Checks a typed image URL before sending it; the backend re-checks it (SSRF rules, size, type). */
export function validateImageUrl(text: string): UrlCheck {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: false, error: 'Enter the URL of an image.' };
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    return {
      ok: false,
      error: 'This is not a valid URL. It should look like https://example.com/photo.jpg.',
    };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return {
      ok: false,
      error: `Only http and https URLs can be fetched, not ${url.protocol.replace(':', '')}.`,
    };
  }
  if (url.username || url.password) {
    return { ok: false, error: 'URLs with a user name or password are not accepted.' };
  }
  return { ok: true, url: url.href };
}

/** Checks a typed video URL as validateImageUrl does, its errors worded for a video. */
export function validateVideoUrl(text: string): UrlCheck {
  const checked = validateImageUrl(text);
  return checked.ok
    ? checked
    : { ok: false, error: checked.error.replace('an image', 'a video').replace('photo.jpg', 'clip.mp4') };
}

/** The first image-like file of a drop or paste, else the first file (the server explains what is wrong). */
export function pickFile(files: ArrayLike<File> | null | undefined): File | null {
  if (!files || files.length === 0) return null;
  const list = Array.from(files);
  return list.find((file) => file.type.startsWith('image/')) ?? list[0] ?? null;
}

/** A name for pasted images, which arrive as "image.png" from every browser. */
export function nameForPastedFile(file: File, now: Date = new Date()): string {
  if (file.name && file.name !== 'image.png') return file.name;
  const stamp = now
    .toISOString()
    .replace(/[:.]/g, '-')
    .replace(/-\d{3}Z$/, 'Z');
  const extension = file.type.split('/')[1]?.replace('jpeg', 'jpg') ?? 'png';
  return `pasted-${stamp}.${extension}`;
}
