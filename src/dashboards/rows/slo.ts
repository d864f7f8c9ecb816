import { formatNumber } from '../../rules/options.js';
import { BURN_ALERTS } from '../../rules/windows.js';
import { gaugePanel, statPanel, timeseriesPanel } from '../panels.js';
import { VARIABLES } from '../queries.js';
import type { DashboardRow } from './row.js';

const PAGE = BURN_ALERTS.find((a) => a.kind === 'page')!;

/**
 * SLO: availability over service faults, the error budget left and the burn rate, against the
 * `objective` variable (default: the rules' objective). Per job across all its instances and
 * routes, as the burn-rate alert computes it.
 * @example
 * ```ts
 * sloRow.panels(new Queries()).length; // 3
 * ```
 */
export const sloRow: DashboardRow = {
  title: 'Availability SLO',
  panels(q) {
    const all = q.jobResponses();
    const service = q.jobResponses('category="service_fault"');
    const windows = [PAGE.conditions[0]!.short, ...PAGE.conditions.map((c) => c.long)];
    return [
      statPanel(
        {
          title: 'Availability in the time range',
          description: `Share of each job's responses in the time range that were not service faults (5xx), against the objective in the "${VARIABLES.objective}" variable (percent).`,
          unit: 'percentunit',
          width: 8,
          height: 8,
          baseColor: 'red',
          thresholds: [{ value: 0.99, color: 'orange' }, { value: 0.999, color: 'green' }],
        },
        [{ expr: `1 - (${q.share(['job'], service, all, '$__range')})`, legend: '{{job}}' }],
      ),
      gaugePanel(
        {
          title: 'Error budget left in the time range',
          description: 'Share of the error budget (1 - objective) that the service faults of the time range left unspent; below 0 the objective is missed. Pick a 30-day range for the usual SLO period.',
          unit: 'percentunit',
          width: 8,
          baseColor: 'red',
          thresholds: [{ value: 0, color: 'orange' }, { value: 0.25, color: 'green' }],
        },
        [{ expr: `1 - (${q.share(['job'], service, all, '$__range')}) / ${q.errorBudget()}`, legend: '{{job}}' }],
        0,
        1,
      ),
      timeseriesPanel(
        {
          title: 'Burn rate',
          description:
            'How many times faster than sustainable the service faults spend the error budget, over ' +
            `${windows.join(', ')}. HTTPServiceFaultBudgetBurn pages when both ${PAGE.conditions.map((c) => `${c.long} and ${c.short} exceed ${formatNumber(c.factor)}`).join(', or both ')} (dashed lines).`,
          unit: 'x',
          width: 8,
          thresholds: PAGE.conditions
            .map((c) => ({ value: c.factor, color: c === PAGE.conditions[0] ? 'red' : 'orange' }))
            .sort((a, b) => a.value - b.value),
        },
        windows.map((w) => ({ expr: `(${q.share(['job'], service, all, w)}) / ${q.errorBudget()}`, legend: `{{job}} ${w}` })),
      ),
    ];
  },
};
