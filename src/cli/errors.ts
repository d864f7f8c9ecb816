/**
 * Exit codes of the `faultline` command: 0 ok, 1 the command failed, 2 bad usage.
 * @example
 * ```ts
 * throw new CliError('port 9464 is taken', EXIT.failure);
 * ```
 */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/**
 * A failure to report on stderr as one line, without a stack trace.
 * @example
 * ```ts
 * throw new CliError(`cannot read ${file}: no such file`);
 * ```
 */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failure,
  ) {
    super(message);
  }
}
