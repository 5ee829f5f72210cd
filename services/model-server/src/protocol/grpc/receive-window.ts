/**
 * The HTTP/2 receive window of the gRPC server. grpc-js 1.14 leaves a server's windows at HTTP/2's 64 KiB
 * (`grpc-node.flow_control_window` is read by its client only; grpc/grpc-node#3058 adds it to the server), so a
 * 160 kB image arrives in three windows, each waiting for a WINDOW_UPDATE from this process's event loop. Until
 * grpc-js reads the option itself, it is applied here through the two fields of `Server` it would use.
 */
import type { EventEmitter } from 'node:events';
import type { Http2Session, Settings } from 'node:http2';
import type { Server } from '@grpc/grpc-js';

/** Per stream and per connection; one message may be up to MAX_REQUEST_BYTES whatever the window. */
export const GRPC_RECEIVE_WINDOW_BYTES = 4 * 1024 * 1024;
/** The largest DATA frame a client may send (HTTP/2's default is 16 KiB). */
export const GRPC_MAX_FRAME_BYTES = 1024 * 1024;

interface ServerInternals {
  commonServerOptions?: { settings?: Settings };
  http2Servers?: Map<EventEmitter, unknown>;
}

/** Before `bindAsync`: the SETTINGS every new connection advertises (stream window, frame size). */
export function advertiseReceiveWindow(server: Server, windowBytes: number, maxFrameBytes: number): void {
  const internals = server as unknown as ServerInternals;
  if (!internals.commonServerOptions) throw new Error('@grpc/grpc-js Server has no commonServerOptions');
  internals.commonServerOptions.settings = {
    ...internals.commonServerOptions.settings,
    initialWindowSize: windowBytes,
    maxFrameSize: maxFrameBytes,
  };
}

/** After `bindAsync`: each new connection's own window (the stream windows share it). */
export function widenConnectionWindows(server: Server, windowBytes: number): void {
  const internals = server as unknown as ServerInternals;
  if (!internals.http2Servers) throw new Error('@grpc/grpc-js Server has no http2Servers');
  for (const http2Server of internals.http2Servers.keys()) {
    http2Server.on('session', (session: Http2Session) => {
      if (!session.destroyed) session.setLocalWindowSize(windowBytes);
    });
  }
}
