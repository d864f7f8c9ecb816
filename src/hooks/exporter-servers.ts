/**
 * Servers that belong to a metrics exporter rather than to the service: with
 * `faultline/register` every server of the process is counted, and OpenTelemetry's Prometheus
 * exporter runs its own node:http server (`/metrics` on 9464) whose scrapes would otherwise be
 * counted as `route="unmatched"` responses of the service. It is recognised by its request
 * listener, the exporter's `_requestHandler` (@opentelemetry/exporter-prometheus 0.2xx),
 * once per server.
 */
const seen = new WeakMap<object, boolean>();

function inspect(server: object): boolean {
  const listeners = (server as { listeners?: (event: string) => unknown[] }).listeners;
  if (typeof listeners !== 'function') return false;
  return listeners.call(server, 'request').some((l) => typeof l === 'function' && l.name === '_requestHandler');
}

/**
 * Whether `server` is OpenTelemetry's Prometheus exporter endpoint (cached per server).
 * @example
 * ```ts
 * if (isExporterServer(server)) return; // not the service's own traffic
 * ```
 */
export function isExporterServer(server: unknown): boolean {
  if (typeof server !== 'object' || server === null) return false;
  let verdict = seen.get(server);
  if (verdict === undefined) {
    verdict = inspect(server);
    seen.set(server, verdict);
  }
  return verdict;
}

/**
 * Marks `server` as a metrics exporter's (faultline's own endpoint when it serves from the
 * application's thread): its requests are not the service's.
 * @example
 * ```ts
 * markExporterServer(http.createServer(handler));
 * ```
 */
export function markExporterServer(server: object): void {
  seen.set(server, true);
}
