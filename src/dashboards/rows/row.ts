import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import type { Panel } from '../panels.js';
import type { Queries } from '../queries.js';

/**
 * One row of a dashboard, in its own module: a title, its panels and any variables it needs
 * besides the shared ones (a later "Upstreams" row adds an `upstream` variable this way).
 */
export interface DashboardRow {
  readonly title: string;
  panels(q: Queries): Panel[];
  variables?(q: Queries): Array<cog.Builder<dashboard.VariableModel>>;
}
