import fs from 'node:fs';
import http from 'node:http';

export interface Answer {
  status: number;
  retryAfter: string | null;
  body: string;
  /** From sending the request to the end of the answer. */
  ms: number;
}

/** A part of a multipart body: buffers are written as they are (a shared buffer is never copied). */
export interface FilePart {
  field: string;
  filename: string;
  contentType: string;
  chunks: Buffer[];
}

/**
 * One HTTP request with `node:http`, the file streamed from its chunks. Resolves with the answer (whatever the
 * status), rejects when none came within `timeoutMs` or the connection failed without one.
 */
export function send(
  url: string,
  options: { method?: string; file?: FilePart; headers?: Record<string, string>; timeoutMs: number },
): Promise<Answer> {
  const boundary = `----load-test-${Math.random().toString(16).slice(2)}`;
  const head = options.file
    ? Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${options.file.field}"; filename="${options.file.filename}"\r\n` +
          `Content-Type: ${options.file.contentType}\r\n\r\n`,
      )
    : null;
  const tail = options.file ? Buffer.from(`\r\n--${boundary}--\r\n`) : null;
  const body = options.file ? [head!, ...options.file.chunks, tail!] : [];
  const length = body.reduce((sum, chunk) => sum + chunk.length, 0);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    let settled = false;
    const request = http.request(url, {
      method: options.method ?? (options.file ? 'POST' : 'GET'),
      headers: {
        ...(options.file
          ? { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(length) }
          : {}),
        ...options.headers,
      },
      timeout: options.timeoutMs,
    });
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      reject(error);
    };
    request.on('timeout', () => {
      request.destroy(new Error(`no answer within ${options.timeoutMs} ms from ${url}`));
    });
    request.on('error', fail);
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', fail);
      response.on('end', () => {
        if (settled) return;
        settled = true;
        resolve({
          status: response.statusCode ?? 0,
          retryAfter: (response.headers['retry-after'] as string | undefined) ?? null,
          body: Buffer.concat(chunks).toString('utf8'),
          ms: performance.now() - started,
        });
        // A refused upload may still be sending its body: it is not needed any more.
        request.destroy();
      });
    });
    const writeAll = async () => {
      for (const chunk of body) {
        if (request.destroyed) return;
        if (!request.write(chunk)) await new Promise((resolve) => request.once('drain', resolve));
      }
      request.end();
    };
    void writeAll();
  });
}

/** Samples a process's resident set size from /proc every `intervalMs`; `stop()` gives the peak in MB. */
export function sampleRss(pid: number, intervalMs = 25): { stop(): number } {
  const read = () => {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? 0);
    return kb / 1024;
  };
  let peak = read();
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, read());
    } catch {
      // The process is gone; the peak so far stands.
    }
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.round(Math.max(peak, read()));
    },
  };
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

/** Status → count. */
export function countStatuses(answers: Answer[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const { status } of answers) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
}
