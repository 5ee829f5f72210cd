import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { ApiError } from '../errors.js';
import { type AddressVerdict, judgeAddress, judgeHostname } from './address-policy.js';

export interface UrlFetcherOptions {
  maxBytes: number;
  timeoutMs: number;
  allowPrivate: boolean;
  maxRedirects?: number;
  /** The `Accept` header sent (images by default). */
  accept?: string;
  /** Which IP addresses may be connected to; defaults to {@link judgeAddress} with `allowPrivate`. */
  addressPolicy?: (address: string) => AddressVerdict;
}

export interface FetchedImage {
  bytes: Uint8Array;
  finalUrl: URL;
  /** The last path segment of the final URL, when it is a usable file name. */
  filename: string | null;
}

class RefusedAddressError extends Error {}

/**
 * Fetches an image by URL without letting the URL reach inside the network: http/https only, every resolved address
 * checked at connection time (so DNS rebinding cannot swap it), redirects followed by hand and re-checked, the body
 * capped at `maxBytes` while streaming, the whole exchange bounded by `timeoutMs`.
 */
export class UrlFetcher {
  private readonly maxRedirects: number;
  private readonly judge: (address: string) => AddressVerdict;

  constructor(private readonly options: UrlFetcherOptions) {
    this.maxRedirects = options.maxRedirects ?? 5;
    this.judge = options.addressPolicy ?? ((address) => judgeAddress(address, options.allowPrivate));
  }

  async fetch(rawUrl: string): Promise<FetchedImage> {
    const deadline = AbortSignal.timeout(this.options.timeoutMs);
    let url = this.parse(rawUrl);
    for (let redirects = 0; ; redirects++) {
      const response = await this.request(url, deadline);
      const status = response.statusCode ?? 0;
      if (status >= 300 && status < 400 && response.headers.location) {
        response.resume();
        if (redirects >= this.maxRedirects) {
          throw new ApiError(400, `too many redirects (more than ${this.maxRedirects}) fetching ${rawUrl}`);
        }
        url = this.parse(new URL(response.headers.location, url).toString());
        continue;
      }
      if (status < 200 || status >= 300) {
        response.resume();
        throw new ApiError(
          422,
          `fetching the URL failed: ${url.origin}${url.pathname} answered HTTP ${status}`,
        );
      }
      const bytes = await this.readBody(response, deadline);
      return { bytes, finalUrl: url, filename: filenameFromUrl(url) };
    }
  }

  private parse(rawUrl: string): URL {
    let url: URL;
    try {
      url = new URL(rawUrl);
    } catch {
      throw new ApiError(400, `"url" is not a valid absolute URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new ApiError(
        400,
        `only http and https URLs can be fetched, not ${url.protocol.replace(/:$/, '')}`,
      );
    }
    if (url.username || url.password)
      throw new ApiError(400, 'URLs with embedded credentials are not allowed');
    const literal = url.hostname.replace(/^\[|\]$/g, '');
    const verdict = isIP(literal) ? this.judge(literal) : judgeHostname(url.hostname);
    if (!verdict.allowed) throw new ApiError(400, `refusing to fetch ${url.hostname}: ${verdict.reason}`);
    return url;
  }

  private lookupFor(url: URL): LookupFunction {
    return (hostname, options, callback) => {
      dns.lookup(hostname, { all: true, family: options.family ?? 0 }, (error, addresses) => {
        if (error) return callback(error, '', 4);
        for (const { address } of addresses) {
          const verdict = this.judge(address);
          if (!verdict.allowed) {
            return callback(
              new RefusedAddressError(`refusing to fetch ${url.hostname}: ${verdict.reason}`),
              '',
              4,
            );
          }
        }
        if (options.all)
          return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, addresses);
        const first = addresses[0];
        if (!first) return callback(new Error(`${hostname} has no addresses`), '', 4);
        callback(null, first.address, first.family);
      });
    };
  }

  private request(url: URL, signal: AbortSignal): Promise<http.IncomingMessage> {
    const transport = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const request = transport.request(
        url,
        {
          method: 'GET',
          lookup: this.lookupFor(url),
          signal,
          headers: {
            accept: this.options.accept ?? 'image/jpeg, image/png, image/webp, image/*;q=0.8',
            'user-agent': 'detection-backend/0.1',
          },
        },
        resolve,
      );
      request.on('error', (error) => reject(this.translate(error, url, signal)));
      request.end();
    });
  }

  private async readBody(response: http.IncomingMessage, signal: AbortSignal): Promise<Uint8Array> {
    const declared = Number.parseInt(response.headers['content-length'] ?? '', 10);
    if (Number.isFinite(declared) && declared > this.options.maxBytes) {
      response.destroy();
      throw tooLarge(this.options.maxBytes);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of response) {
        size += (chunk as Buffer).byteLength;
        if (size > this.options.maxBytes) {
          response.destroy();
          throw tooLarge(this.options.maxBytes);
        }
        chunks.push(chunk as Buffer);
      }
    } catch (error) {
      if (error instanceof ApiError) throw error;
      throw this.translate(error as Error, null, signal);
    }
    return Buffer.concat(chunks);
  }

  private translate(error: Error, url: URL | null, signal: AbortSignal): ApiError {
    if (error instanceof RefusedAddressError) return new ApiError(400, error.message);
    if (signal.aborted) {
      return new ApiError(422, `fetching the URL took longer than ${this.options.timeoutMs} ms`);
    }
    const code = (error as NodeJS.ErrnoException).code;
    const where = url ? ` ${url.host}` : '';
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new ApiError(422, `cannot resolve host${where}`);
    return new ApiError(
      422,
      `fetching the URL failed${where ? ` (${url?.host})` : ''}: ${code ?? error.message}`,
    );
  }
}

function tooLarge(maxBytes: number): ApiError {
  return new ApiError(413, `the image at the URL is larger than the ${maxBytes}-byte upload limit`);
}

function filenameFromUrl(url: URL): string | null {
  const last = url.pathname.split('/').filter(Boolean).pop();
  if (!last) return null;
  try {
    return decodeURIComponent(last);
  } catch {
    return null;
  }
}
