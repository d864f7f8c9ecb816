/** The parts of a Grafana dashboard JSON the tests read. */
export interface DashboardJson {
  uid: string;
  title: string;
  schemaVersion: number;
  templating: { list: Array<{ type: string; name: string; query?: unknown; datasource?: { type: string; uid: string }; allValue?: string; includeAll?: boolean; multi?: boolean }> };
  annotations: { list: unknown[] };
  panels: Array<{
    id: number;
    type: string;
    title: string;
    datasource?: { type: string; uid: string };
    targets?: Array<{ expr: string; refId: string; instant?: boolean; datasource?: { type: string; uid: string } }>;
    fieldConfig?: { defaults: { thresholds?: { steps: Array<{ value: number | null; color: string }> } } };
  }>;
}

/** One query of one panel. */
export interface PanelQuery {
  readonly panel: string;
  readonly refId: string;
  readonly expr: string;
  readonly instant: boolean;
}

/** Every query of every panel, in panel order. */
export function dashboardQueries(d: DashboardJson): PanelQuery[] {
  return d.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, refId: t.refId, expr: t.expr, instant: t.instant === true })));
}

/** The titles of the panels in a row (the panels after the row panel, up to the next row). */
export function panelsInRow(d: DashboardJson, row: string): Set<string> {
  const out = new Set<string>();
  let inside = false;
  for (const p of d.panels) {
    if (p.type === 'row') inside = p.title === row;
    else if (inside) out.add(p.title);
  }
  return out;
}

/**
 * What Grafana puts in place of the variables when it sends a query: `$job` etc. (multi-value
 * variables with "All" selected become the variable's allValue, here a regex), `$__rate_interval`,
 * `$__range`, `$__interval`, and `${name}` / `[[name]]` forms.
 */
export function resolveVariables(expr: string, values: Readonly<Record<string, string>>): string {
  const replaced = expr
    .replace(/\$\{(\w+)(?::\w+)?\}/g, (_m, name: string) => lookup(values, name))
    .replace(/\[\[(\w+)\]\]/g, (_m, name: string) => lookup(values, name))
    .replace(/\$(__\w+|\w+)/g, (_m, name: string) => lookup(values, name));
  return replaced;
}

function lookup(values: Readonly<Record<string, string>>, name: string): string {
  const v = values[name];
  if (v === undefined) throw new Error(`no value for the Grafana variable $${name}`);
  return v;
}

/** Grafana's values for a dashboard whose variables are all on "All", for a test Prometheus. */
export const GRAFANA_DEFAULTS: Readonly<Record<string, string>> = {
  job: '.*',
  instance: '.*',
  route: '.*',
  upstream: '.*',
  objective: '99.9',
  __rate_interval: '1m',
  __interval: '15s',
  __range: '5m',
  __range_s: '300',
};
