/** Paints text for a terminal, or leaves it alone. */
export interface Paint {
  readonly enabled: boolean;
  readonly bold: (text: string) => string;
  readonly dim: (text: string) => string;
  readonly red: (text: string) => string;
  readonly green: (text: string) => string;
  readonly yellow: (text: string) => string;
  readonly cyan: (text: string) => string;
  readonly magenta: (text: string) => string;
  /** Reverse video, for rows that need attention. */
  readonly inverse: (text: string) => string;
}

const sgr = (open: number, close: number) => (text: string): string => `\x1b[${open}m${text}\x1b[${close}m`;

/** ANSI colours (SGR sequences). */
export const ANSI: Paint = {
  enabled: true,
  bold: sgr(1, 22),
  dim: sgr(2, 22),
  red: sgr(31, 39),
  green: sgr(32, 39),
  yellow: sgr(33, 39),
  cyan: sgr(36, 39),
  magenta: sgr(35, 39),
  inverse: sgr(7, 27),
};

const same = (text: string): string => text;

/** No colours. */
export const PLAIN: Paint = { enabled: false, bold: same, dim: same, red: same, green: same, yellow: same, cyan: same, magenta: same, inverse: same };

/**
 * Whether to colour a stream: only on a TTY, never with `NO_COLOR` set (https://no-color.org)
 * or `FORCE_COLOR=0`; `FORCE_COLOR=1` (or any other non-empty value) forces colours on.
 * @example
 * ```ts
 * const paint = wantsColour(process.stdout) ? ANSI : PLAIN;
 * ```
 */
export function wantsColour(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  const force = env['FORCE_COLOR'];
  if (force === '0' || force === 'false') return false;
  if (force !== undefined && force !== '') return true;
  return stream.isTTY === true;
}

/** The paint for a stream (see `wantsColour`). */
export function paintFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): Paint {
  return wantsColour(stream, env) ? ANSI : PLAIN;
}
