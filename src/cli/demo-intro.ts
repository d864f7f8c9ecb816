import type { FaultRates } from '../demo/traffic.js';
import type { Paint } from './colour.js';

/** What the demo's first screen needs to know. */
export interface DemoIntro {
  readonly servicePort: number;
  readonly upstreamPort: number;
  /** `host:port` of the metrics endpoint as Prometheus should scrape it. */
  readonly target: string;
  readonly url: string;
  /** The endpoint's bearer token, if any. */
  readonly token?: string | undefined;
  readonly rates: FaultRates;
  readonly rate: number;
  readonly duration: number;
  readonly paint: Paint;
}

const pct = (n: number): string => `${Number((n * 100).toFixed(1))}%`;

/**
 * The text `faultline demo` prints first: where the service, its upstream and the metrics are,
 * and how to point `faultline top`, Prometheus and Grafana at them.
 * @example
 * ```ts
 * process.stdout.write(demoIntro({ servicePort, upstreamPort, target: '127.0.0.1:9464', url, rates, rate: 50, duration: 0, paint: PLAIN }));
 * ```
 */
export function demoIntro(o: DemoIntro): string {
  const b = o.paint.bold;
  const r = o.rates;
  return [
    `${b('faultline demo')}: a sample cloud database API, counted by faultline`,
    `  service    http://127.0.0.1:${o.servicePort}/v3/{project_id}/instances (and /backups)`,
    `  upstream   http://127.0.0.1:${o.upstreamPort}/v3  (the simulated API the service calls; http_client_* series)`,
    `  traffic    ${o.rate} req/s; client faults ${pct(r.client)}, 500 ${pct(r.error500)}, 503 ${pct(r.unavailable503)}, undocumented ${pct(r.undocumented)}`,
    `  metrics    ${b(o.url)}`,
    '',
    'Watch it:',
    o.token === undefined ? `  curl ${o.url}` : `  curl -H 'Authorization: Bearer ${o.token}' ${o.url}`,
    o.token === undefined ? `  faultline top ${o.url}` : `  FAULTLINE_TOKEN='${o.token}' faultline top ${o.url}`,
    '',
    'Point Prometheus at it (prometheus.yml):',
    '  scrape_configs:',
    '    - job_name: faultline-demo',
    '      scrape_interval: 5s',
    ...(o.token === undefined ? [] : ['      authorization: { credentials: <the token> }']),
    '      static_configs:',
    `        - targets: ['${o.target}']`,
    '  rule_files: [faultline.rules.yml]      # written by: faultline rules --out faultline.rules.yml',
    'Grafana: faultline dashboards --out ./dashboards, then Dashboards > New > Import each JSON file',
    '  (pick your Prometheus data source when asked).',
    '',
    o.duration > 0 ? `Running for ${o.duration} s (Ctrl-C stops it earlier).` : 'Running until Ctrl-C.',
    '',
  ].join('\n');
}
