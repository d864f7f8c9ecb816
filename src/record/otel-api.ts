import type * as OtelApi from '@opentelemetry/api';
import { dependency } from '../dependency.js';

let api: typeof OtelApi | undefined;

/**
 * @opentelemetry/api, loaded on first use: when an SDK is registered (a span to link) or the
 * OpenTelemetry exporter is chosen. A process without OpenTelemetry never loads it.
 * @example
 * ```ts
 * const provider = otelApi().metrics.getMeterProvider();
 * ```
 */
export function otelApi(): typeof OtelApi {
  return (api ??= dependency<typeof OtelApi>('@opentelemetry/api'));
}

/** `ValueType.INT` and `ValueType.DOUBLE` of the api, without loading it to read them. */
export const VALUE_TYPE_INT = 0 as OtelApi.ValueType.INT;
export const VALUE_TYPE_DOUBLE = 1 as OtelApi.ValueType.DOUBLE;
