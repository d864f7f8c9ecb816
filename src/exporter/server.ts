import http from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { markInternalServer } from '../hooks/runtime.js';
import { writeHead } from './handler.js';

/** The metrics endpoint on its own listener. */
export interface MetricsServer {
  readonly server: Server;
  readonly address: AddressInfo;
  close(): Promise<void>;
}

/**
 * Starts a listener that serves `handle` on exactly `path` (query strings ignored) and 404
 * elsewhere. It is marked as faultline's own (never counted), does not keep the process alive,
 * and drops malformed requests. Rejects when the port cannot be bound; later server errors go
 * to `onError`.
 * @example
 * ```ts
 * const { address } = await startMetricsServer(fl.metricsHandler(), '/metrics', 9464, '0.0.0.0', console.error);
 * ```
 */
export function startMetricsServer(
  handle: (req: IncomingMessage, res: ServerResponse) => void,
  path: string,
  port: number,
  host: string,
  onError: (err: Error) => void,
): Promise<MetricsServer> {
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    if ((q < 0 ? url : url.slice(0, q)) !== path) {
      writeHead(res, 404, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('not found\n');
      return;
    }
    handle(req, res);
  });
  markInternalServer(server);
  server.on('clientError', (_err, socket) => socket.destroy());
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      server.on('error', onError);
      server.unref();
      resolve({
        server,
        address: server.address() as AddressInfo,
        close: () => {
          server.closeAllConnections();
          return new Promise<void>((done) => server.close(() => done()));
        },
      });
    });
  });
}
