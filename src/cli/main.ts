import { Command, CommanderError } from 'commander';
import { registerDemo } from './demo.js';

/** Exit codes of the `faultline` command. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** A failure to report on stderr without a stack trace. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(message: string, readonly exitCode: number = EXIT.failure) {
    super(message);
  }
}

/** Builds the `faultline` program; each command lives in its own module. */
export function buildProgram(): Command {
  const program = new Command('faultline')
    .description('Count HTTP responses by documented status code; client vs service faults for Prometheus and OpenTelemetry.')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  registerDemo(program);
  return program;
}

/** Runs the CLI with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.ok;
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (err instanceof CliError) {
      process.stderr.write(`faultline: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(`faultline: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.failure;
  }
}
