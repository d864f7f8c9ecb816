import { Command, CommanderError } from 'commander';
import { registerDemo } from './demo.js';
import { registerTop } from './top.js';
import { registerCatalog } from './catalog.js';
import { registerRules } from './rules.js';
import { registerDashboards } from './dashboards.js';
import { CliError, EXIT } from './errors.js';

export { CliError, EXIT } from './errors.js';

const ROOT_HELP = `
Examples:
  faultline demo                                   sample service + traffic; metrics on http://127.0.0.1:9464/metrics
  faultline top http://127.0.0.1:9464/metrics      live view of any faultline endpoint
  faultline dashboards --out ./dashboards          Grafana dashboards to import
  faultline rules --slo 99.9 --out faultline.rules.yml
  faultline catalog import api-doc.md --out catalog.yaml

Exit codes: 0 ok, 1 the command failed, 2 bad usage (unknown command or option, bad value).
Errors are one line on stderr. Colours only on a terminal; NO_COLOR or FORCE_COLOR=0 turn them off.
Run "faultline <command> --help" for a command's options and examples.
`;

/**
 * Builds the `faultline` program; each command lives in its own module. Usage errors are one
 * line on stderr (exit 2); subcommands inherit this behaviour.
 */
export function buildProgram(version = '0.0.0'): Command {
  const program = new Command('faultline')
    .description('Count HTTP responses by documented status code; client vs service faults for Prometheus and OpenTelemetry.')
    .version(version, '-V, --version', 'print the version')
    .exitOverride()
    .configureOutput({
      writeErr: (s) => process.stderr.write(s),
      // commander says "error: ..."; one line, with where to look next
      outputError: (s, write) => write(`faultline: ${s.replace(/^error: /, '').trim().replace(/\s*\n\s*/g, ' ')} (see --help)\n`),
    })
    .addHelpText('after', ROOT_HELP);
  registerDemo(program);
  registerTop(program);
  registerCatalog(program);
  registerRules(program);
  registerDashboards(program);
  return program;
}

let stdoutGuarded = false;

/** A closed pipe (`faultline top URL | head`) ends the command quietly, as with other Unix tools. */
function guardStdout(): void {
  if (stdoutGuarded) return;
  stdoutGuarded = true;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(EXIT.ok);
    process.stderr.write(`faultline: cannot write the output (${err.code ?? err.message})\n`);
    process.exit(EXIT.failure);
  });
}

/**
 * Runs the CLI with `argv` (without node and script); resolves to the exit code.
 * @example
 * ```ts
 * process.exitCode = await main(process.argv.slice(2), '1.0.0');
 * ```
 */
export async function main(argv: readonly string[], version?: string): Promise<number> {
  guardStdout();
  const program = buildProgram(version);
  if (argv.length === 0) {
    // no command: the help, on stderr, as a usage error
    program.outputHelp({ error: true });
    return EXIT.usage;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help, --version: 0; a command group run without its subcommand prints help with exit code 1: usage
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return EXIT.ok;
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
