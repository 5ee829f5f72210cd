import { once } from 'node:events';
import { connect, type Http2Session } from 'node:http2';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { advertiseReceiveWindow, widenConnectionWindows } from './receive-window.js';

const WINDOW = 3 * 1024 * 1024;
const FRAME = 512 * 1024;

describe('gRPC server receive window', () => {
  const server = new Server();
  let port = 0;

  beforeAll(async () => {
    advertiseReceiveWindow(server, WINDOW, FRAME);
    port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
    widenConnectionWindows(server, WINDOW);
  });

  afterAll(() => server.forceShutdown());

  it('Should advertise the stream window and frame size, and open the connection window, to every client', async () => {
    const client: Http2Session = connect(`http://127.0.0.1:${port}`);
    try {
      const [settings] = await once(client, 'remoteSettings');
      expect(settings.initialWindowSize).toBe(WINDOW);
      expect(settings.maxFrameSize).toBe(FRAME);
      // The connection window arrives as a WINDOW_UPDATE after the SETTINGS frame.
      while ((client.state.remoteWindowSize ?? 0) < WINDOW)
        await new Promise((resolve) => setImmediate(resolve));
      expect(client.state.remoteWindowSize).toBe(WINDOW);
    } finally {
      await new Promise<void>((resolve) => client.close(resolve));
    }
  });
});
