import { barGaugePanel, tablePanel, timeseriesPanel } from '../panels.js';
import type { DashboardRow } from './row.js';

/**
 * Status codes: rates by code with the catalog's description (joined from
 * `http_status_code_info`), documented vs undocumented, and the undocumented codes seen.
 * @example
 * ```ts
 * codesRow.panels(new Queries()).length; // 5
 * ```
 */
export const codesRow: DashboardRow = {
  title: 'Status codes',
  panels(q) {
    const all = q.responses();
    const undocumented = q.responses('documented="false"');
    return [
      timeseriesPanel(
        {
          title: 'Response rate by documented code',
          description: 'Responses per second for each code the catalog documents, with the catalog\'s description of the code (joined from http_status_code_info). Undocumented codes are in the panels on the right and below.',
          unit: 'reqps',
          width: 16,
        },
        [{ expr: q.withDescription(q.sumRate(['code'], all)), legend: '{{code}} {{description}}' }],
      ),
      timeseriesPanel(
        { title: 'Documented vs undocumented', description: 'Responses per second whose code the API documentation lists for the operation (documented="true") or not ("false").', unit: 'reqps', width: 8 },
        [{ expr: q.sumRate(['documented'], all), legend: 'documented={{documented}}' }],
      ),
      tablePanel(
        {
          title: 'Codes in the time range',
          description: 'Every code sent in the selected time range, with its category, whether it is documented, the catalog\'s description (empty when the catalog does not know the code) and the average rate.',
          unit: 'reqps',
          width: 14,
        },
        {
          expr: `${q.withDescription(q.sumRate(['code', 'category', 'documented'], all, '$__range'))} or on (code) ${q.sumRate(['code', 'category', 'documented'], all, '$__range')}`,
        },
        { code: 'Code', category: 'Category', documented: 'Documented', description: 'Description', Value: 'Responses/s' },
      ),
      tablePanel(
        {
          title: 'Undocumented codes',
          description: 'Codes the API documentation does not list for the operation that answered them: by job, method and route, counted over the time range. A new row here is what HTTPUndocumentedStatusCodes warns about.',
          unit: 'short',
          width: 10,
        },
        { expr: `${q.sumIncrease(['job', 'method', 'route', 'code'], undocumented)} > 0` },
        { job: 'Job', method: 'Method', route: 'Route', code: 'Code', Value: 'Responses' },
      ),
      barGaugePanel(
        { title: 'Responses by code in the time range', description: 'How many responses each code got in the selected time range.', unit: 'short', width: 24, height: 6 },
        [{ expr: `sort_desc(${q.sumIncrease(['code'], all)})`, legend: '{{code}}' }],
      ),
    ];
  },
};
