import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LocalHttpServer {
  origin: string;
  port: number;
  close(): Promise<void>;
}

/** A plain HTTP server on 127.0.0.1 (a stand-in for "some website" serving images to the URL fetcher). */
export async function startHttpServer(handler: http.RequestListener): Promise<LocalHttpServer> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
