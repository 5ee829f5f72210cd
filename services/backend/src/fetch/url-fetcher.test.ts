import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalHttpServer, startHttpServer } from '../../test/support/http-server.js';
import { syntheticImage } from '../../test/support/images.js';
import { ApiError } from '../errors.js';
import { UrlFetcher } from './url-fetcher.js';

describe('UrlFetcher against a local HTTP server', () => {
  let server: LocalHttpServer;
  let photo: Buffer;
  const maxBytes = 64 * 1024;

  beforeAll(async () => {
    photo = await syntheticImage('jpeg', 120, 80);
    server = await startHttpServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      switch (url.pathname) {
        case '/photos/cat%20picture.jpg':
          res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': photo.length });
          res.end(photo);
          return;
        case '/redirect':
          res.writeHead(302, { location: '/photos/cat%20picture.jpg' });
          res.end();
          return;
        case '/redirect-to-ipv6-loopback':
          res.writeHead(301, { location: `http://[::1]:${server.port}/photos/cat%20picture.jpg` });
          res.end();
          return;
        case '/redirect-to-ftp':
          res.writeHead(302, { location: 'ftp://127.0.0.1/file.jpg' });
          res.end();
          return;
        case '/redirect-to-metadata':
          res.writeHead(302, { location: 'http://[::ffff:169.254.169.254]/latest/meta-data/' });
          res.end();
          return;
        case '/loop':
          res.writeHead(302, { location: '/loop' });
          res.end();
          return;
        case '/huge-declared':
          res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': maxBytes + 1 });
          res.end(Buffer.alloc(maxBytes + 1));
          return;
        case '/huge-streamed': {
          res.writeHead(200, { 'content-type': 'image/jpeg' });
          const chunk = Buffer.alloc(8 * 1024);
          let sent = 0;
          const pump = () => {
            while (sent < maxBytes * 4) {
              sent += chunk.length;
              if (!res.write(chunk)) {
                res.once('drain', pump);
                return;
              }
            }
            res.end();
          };
          pump();
          return;
        }
        case '/slow':
          res.writeHead(200, { 'content-type': 'image/jpeg' });
          res.write(photo.subarray(0, 100));
          return; // never ends
        default:
          res.writeHead(404);
          res.end('not here');
          return;
      }
    });
  });
  afterAll(() => server.close());

  const fetcher = (options: Partial<ConstructorParameters<typeof UrlFetcher>[0]> = {}) =>
    new UrlFetcher({ maxBytes, timeoutMs: 2_000, allowPrivate: true, ...options });

  async function refusal(promise: Promise<unknown>): Promise<ApiError> {
    const error = await promise.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ApiError);
    return error as ApiError;
  }

  it('Should fetch the bytes and the file name when private addresses are allowed', async () => {
    const fetched = await fetcher().fetch(`${server.origin}/photos/cat%20picture.jpg`);
    expect(Buffer.from(fetched.bytes).equals(photo)).toBe(true);
    expect(fetched.filename).toBe('cat picture.jpg');
  });

  it('Should follow a redirect and report the final URL', async () => {
    const fetched = await fetcher().fetch(`${server.origin}/redirect`);
    expect(fetched.finalUrl.pathname).toBe('/photos/cat%20picture.jpg');
    expect(fetched.bytes.byteLength).toBe(photo.length);
  });

  it('Should refuse loopback by IP when private addresses are not allowed', async () => {
    const error = await refusal(
      fetcher({ allowPrivate: false }).fetch(`${server.origin}/photos/cat%20picture.jpg`),
    );
    expect(error.status).toBe(400);
    expect(error.message).toMatch(/refusing to fetch 127\.0\.0\.1: .*loopback/);
  });

  it('Should refuse a host name that resolves to loopback (checked after DNS)', async () => {
    const error = await refusal(
      fetcher({ allowPrivate: false }).fetch(`http://localhost:${server.port}/photos/cat%20picture.jpg`),
    );
    expect(error.status).toBe(400);
    expect(error.message).toMatch(/refusing to fetch localhost: .*(127\.0\.0\.1|::1)/);
  });

  it.each([
    ['hexadecimal IPv4', 'http://0x7f000001/'],
    ['decimal IPv4', 'http://2130706433/'],
    ['IPv6 loopback', 'http://[::1]/'],
    ['IPv4-mapped IPv6 loopback', 'http://[::ffff:127.0.0.1]/'],
    ['the unspecified address', 'http://0.0.0.0/'],
  ])('Should refuse loopback written as %s', async (_form, url) => {
    const error = await refusal(fetcher({ allowPrivate: false }).fetch(url));
    expect(error.status).toBe(400);
    expect(error.message).toMatch(/refusing to fetch/);
  });

  it('Should re-check every redirect target against the address policy', async () => {
    const onlyIpv4Loopback = (address: string) =>
      address === '127.0.0.1'
        ? { allowed: true as const }
        : { allowed: false as const, reason: `${address} not allowed` };
    const error = await refusal(
      fetcher({ addressPolicy: onlyIpv4Loopback }).fetch(`${server.origin}/redirect-to-ipv6-loopback`),
    );
    expect(error.status).toBe(400);
    expect(error.message).toMatch(/refusing to fetch ::1|refusing to fetch \[::1\]/);
  });

  // Refused from the URL alone, before any lookup or connection (nothing here leaves the loopback interface).
  it.each([
    'http://metadata.google.internal/computeMetadata/v1/',
    'http://metadata.google.internal./computeMetadata/v1/',
    'http://169.254.169.254/latest/meta-data/',
    'http://[fd00:ec2::254]/latest/meta-data/',
    'http://[64:ff9b::a9fe:a9fe]/latest/meta-data/',
    'http://168.63.129.16/machine',
  ])('Should refuse the metadata endpoint %s even when private addresses are allowed', async (url) => {
    const error = await refusal(fetcher({ allowPrivate: true }).fetch(url));
    expect(error.status).toBe(400);
    expect(error.message).toMatch(/refusing to fetch .*cloud metadata (address|host name)/);
  });

  it('Should refuse a redirect to a metadata endpoint even when private addresses are allowed', async () => {
    const error = await refusal(
      fetcher({ allowPrivate: true }).fetch(`${server.origin}/redirect-to-metadata`),
    );
    expect(error.status).toBe(400);
    expect(error.message).toMatch(/cloud metadata address \(AWS, GCP, Azure/);
  });

  it('Should refuse a redirect to another scheme', async () => {
    const error = await refusal(fetcher().fetch(`${server.origin}/redirect-to-ftp`));
    expect(error.message).toMatch(/only http and https/);
  });

  it('Should stop after too many redirects', async () => {
    const error = await refusal(fetcher().fetch(`${server.origin}/loop`));
    expect(error.status).toBe(400);
    expect(error.message).toMatch(/too many redirects/);
  });

  it.each([
    ['file:///etc/passwd', /only http and https URLs can be fetched, not file/],
    ['ftp://example.com/a.jpg', /not ftp/],
    ['gopher://127.0.0.1:70/', /not gopher/],
    ['not a url', /not a valid absolute URL/],
    ['http://user:secret@example.com/a.jpg', /embedded credentials/],
  ])('Should refuse %s', async (url, message) => {
    const error = await refusal(fetcher({ allowPrivate: false }).fetch(url));
    expect(error.status).toBe(400);
    expect(error.message).toMatch(message);
  });

  it('Should answer 413 when the declared size is over the limit', async () => {
    const error = await refusal(fetcher().fetch(`${server.origin}/huge-declared`));
    expect(error.status).toBe(413);
  });

  it('Should answer 413 when a body without a declared size grows over the limit', async () => {
    const error = await refusal(fetcher().fetch(`${server.origin}/huge-streamed`));
    expect(error.status).toBe(413);
    expect(error.message).toMatch(/larger than the 65536-byte upload limit/);
  });

  it('Should give up on a server that stalls, after the time limit', async () => {
    const started = Date.now();
    const error = await refusal(fetcher({ timeoutMs: 300 }).fetch(`${server.origin}/slow`));
    expect(error.status).toBe(422);
    expect(error.message).toMatch(/longer than 300 ms/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('Should report an upstream error status', async () => {
    const error = await refusal(fetcher().fetch(`${server.origin}/missing.jpg`));
    expect(error.status).toBe(422);
    expect(error.message).toMatch(/answered HTTP 404/);
  });
});
