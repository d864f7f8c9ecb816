import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import {
  CustomVariableBuilder,
  DatasourceVariableBuilder,
  QueryVariableBuilder,
  VariableRefresh,
  VariableSort,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { DEFAULT_RULE_OPTIONS, formatNumber } from '../rules/options.js';
import { selector } from '../rules/selector.js';
import { DATASOURCE } from './panels.js';
import type { Queries } from './queries.js';
import { VARIABLES } from './queries.js';

const OBJECTIVES = [99, 99.5, 99.9, 99.95, 99.99];

function labelValues(name: string, label: string, query: string): QueryVariableBuilder {
  return new QueryVariableBuilder(name)
    .label(label)
    .datasource(DATASOURCE)
    .query(query)
    .definition(query)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    // "All" is a regex matching any value, so selectors stay `=~"$job"` whatever is picked.
    .allValue('.*')
    .current({ selected: true, text: ['All'], value: ['$__all'] });
}

/**
 * The shared variables: the Prometheus data source, then `job`, `instance` and `route` (each from
 * `label_values` of the responses counter, narrowed by the ones before it), and the
 * availability `objective` in percent for the SLO row.
 * @example
 * ```ts
 * sharedVariables(new Queries()).length; // 5
 * ```
 */
export function sharedVariables(q: Queries): Array<cog.Builder<dashboard.VariableModel>> {
  const responses = q.names.responses;
  const objective = formatNumber(DEFAULT_RULE_OPTIONS.objective);
  const objectives = [...new Set([...OBJECTIVES.map(formatNumber), objective])];
  return [
    new DatasourceVariableBuilder(VARIABLES.datasource).label('Data source').type('prometheus'),
    labelValues(VARIABLES.job, 'Job', `label_values(${responses}, job)`),
    labelValues(VARIABLES.instance, 'Instance', `label_values(${selector(responses, [`job=~"$${VARIABLES.job}"`])}, instance)`),
    labelValues(VARIABLES.route, 'Route', `label_values(${selector(responses, [`job=~"$${VARIABLES.job}"`, `instance=~"$${VARIABLES.instance}"`])}, route)`),
    new CustomVariableBuilder(VARIABLES.objective)
      .label('Objective %')
      .description('Availability objective in percent, for the SLO row (the rule file\'s default is the preselected one).')
      .values(objectives.join(','))
      .current({ selected: true, text: objective, value: objective }),
  ];
}
