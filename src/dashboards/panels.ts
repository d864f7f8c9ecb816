import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { ThresholdsConfigBuilder, ThresholdsMode } from '@grafana/grafana-foundation-sdk/dashboard';
import {
  GraphThresholdsStyleConfigBuilder,
  GraphThresholdsStyleMode,
  LegendDisplayMode,
  LegendPlacement,
  ReduceDataOptionsBuilder,
  VizLegendOptionsBuilder,
} from '@grafana/grafana-foundation-sdk/common';
import { DataqueryBuilder, PromQueryFormat } from '@grafana/grafana-foundation-sdk/prometheus';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as gauge from '@grafana/grafana-foundation-sdk/gauge';
import * as bargauge from '@grafana/grafana-foundation-sdk/bargauge';
import { VARIABLES } from './queries.js';

/**
 * Every panel and query reads the data source chosen in the `datasource` variable.
 * @example
 * ```ts
 * new DataqueryBuilder().datasource(DATASOURCE); // { type: 'prometheus', uid: '${datasource}' }
 * ```
 */
export const DATASOURCE = { type: 'prometheus', uid: `\${${VARIABLES.datasource}}` };

/** A panel builder of any type. */
export type Panel = cog.Builder<dashboard.Panel>;

/** One query of a panel. */
export interface Target {
  readonly expr: string;
  /** Legend template, e.g. `{{job}}`. */
  readonly legend?: string;
}

/** A red line (or step) at `value`: the alert threshold drawn on a panel. */
export interface Threshold {
  readonly value: number;
  readonly color: string;
}

interface Common {
  readonly title: string;
  readonly description: string;
  readonly unit: string;
  readonly width: number;
  readonly height?: number;
  readonly thresholds?: readonly Threshold[];
}

function thresholds(steps: readonly Threshold[] | undefined, base = 'green'): ThresholdsConfigBuilder {
  return new ThresholdsConfigBuilder()
    .mode(ThresholdsMode.Absolute)
    .steps([{ value: null, color: base }, ...(steps ?? []).map((s) => ({ value: s.value, color: s.color }))]);
}

function rangeQueries(targets: readonly Target[]): DataqueryBuilder[] {
  return targets.map((t, i) => {
    const q = new DataqueryBuilder().datasource(DATASOURCE).refId(String.fromCharCode(65 + i)).expr(t.expr).range();
    return t.legend === undefined ? q : q.legendFormat(t.legend);
  });
}

function instantQueries(targets: readonly Target[], format?: PromQueryFormat): DataqueryBuilder[] {
  return targets.map((t, i) => {
    let q = new DataqueryBuilder().datasource(DATASOURCE).refId(String.fromCharCode(65 + i)).expr(t.expr).instant();
    if (format !== undefined) q = q.format(format);
    return t.legend === undefined ? q : q.legendFormat(t.legend);
  });
}

/**
 * A time series panel; `thresholds` are drawn as dashed lines (the alert thresholds).
 * @example
 * ```ts
 * timeseriesPanel({ title: 'Requests', description: '...', unit: 'reqps', width: 12 }, [{ expr: 'sum(rate(x[5m]))' }]);
 * ```
 */
export function timeseriesPanel(o: Common, targets: readonly Target[]): timeseries.PanelBuilder {
  let p = new timeseries.PanelBuilder()
    .title(o.title)
    .description(o.description)
    .datasource(DATASOURCE)
    .targets(rangeQueries(targets))
    .unit(o.unit)
    .span(o.width)
    .height(o.height ?? 8)
    .min(0)
    .fillOpacity(10)
    .legend(new VizLegendOptionsBuilder().showLegend(true).displayMode(LegendDisplayMode.List).placement(LegendPlacement.Bottom).calcs([]));
  if (o.thresholds !== undefined) {
    p = p.thresholds(thresholds(o.thresholds)).thresholdsStyle(new GraphThresholdsStyleConfigBuilder().mode(GraphThresholdsStyleMode.Dashed));
  }
  return p;
}

/**
 * A single-value panel of the last value (instant query).
 * @example
 * ```ts
 * statPanel({ title: 'Requests', description: '...', unit: 'reqps', width: 6 }, [{ expr: 'sum(rate(x[5m]))' }]);
 * ```
 */
export function statPanel(o: Common & { readonly baseColor?: string }, targets: readonly Target[]): stat.PanelBuilder {
  return new stat.PanelBuilder()
    .title(o.title)
    .description(o.description)
    .datasource(DATASOURCE)
    .targets(instantQueries(targets))
    .unit(o.unit)
    .span(o.width)
    .height(o.height ?? 4)
    .thresholds(thresholds(o.thresholds, o.baseColor))
    .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false));
}

/**
 * A gauge of the last value (instant query).
 * @example
 * ```ts
 * gaugePanel({ title: 'Budget left', description: '...', unit: 'percentunit', width: 8 }, [{ expr: '...' }], 0, 1);
 * ```
 */
export function gaugePanel(o: Common & { readonly baseColor?: string }, targets: readonly Target[], min: number, max: number): gauge.PanelBuilder {
  return new gauge.PanelBuilder()
    .title(o.title)
    .description(o.description)
    .datasource(DATASOURCE)
    .targets(instantQueries(targets))
    .unit(o.unit)
    .span(o.width)
    .height(o.height ?? 8)
    .min(min)
    .max(max)
    .thresholds(thresholds(o.thresholds, o.baseColor))
    .showThresholdMarkers(true)
    .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false));
}

/**
 * Horizontal bars, one per series of an instant query (top-N lists).
 * @example
 * ```ts
 * barGaugePanel({ title: 'Top routes', description: '...', unit: 'short', width: 12 }, [{ expr: 'topk(10, ...)', legend: '{{route}}' }]);
 * ```
 */
export function barGaugePanel(o: Common, targets: readonly Target[]): bargauge.PanelBuilder {
  return new bargauge.PanelBuilder()
    .title(o.title)
    .description(o.description)
    .datasource(DATASOURCE)
    .targets(instantQueries(targets))
    .unit(o.unit)
    .span(o.width)
    .height(o.height ?? 8)
    .min(0)
    .thresholds(thresholds(o.thresholds, 'red'))
    .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false));
}

/**
 * A table of one instant query in table format: one row per series, one column per label;
 * `columns` renames and orders the columns (the query should keep only those labels).
 * @example
 * ```ts
 * tablePanel({ title: 'Codes', description: '...', unit: 'reqps', width: 24 }, { expr: '...' }, { code: 'Code', Value: 'Responses/s' });
 * ```
 */
export function tablePanel(o: Common, target: Target, columns: Readonly<Record<string, string>>): table.PanelBuilder {
  const names = Object.keys(columns);
  return new table.PanelBuilder()
    .title(o.title)
    .description(o.description)
    .datasource(DATASOURCE)
    .targets(instantQueries([target], PromQueryFormat.Table))
    .unit(o.unit)
    .span(o.width)
    .height(o.height ?? 8)
    .withTransformation({
      id: 'organize',
      options: {
        excludeByName: { Time: true },
        indexByName: Object.fromEntries(names.map((n, i) => [n, i])),
        renameByName: columns,
      },
    });
}
