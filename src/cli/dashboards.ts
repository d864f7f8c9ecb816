import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { CliError } from './errors.js';

/**
 * The directory of the installed faultline package. The CLI runs from the CommonJS build
 * (`dist/cjs/cli`), where `__dirname` is defined; elsewhere the running script's location is
 * the starting point. Walks up to the package.json named "faultline".
 */
function packageRoot(): string {
  let dir = typeof __dirname === 'string' ? __dirname : dirname(realpathSync(process.argv[1] ?? '.'));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'faultline') return dir;
    const up = dirname(dir);
    if (up === dir) throw new CliError('cannot find the faultline package and its dashboards/ directory');
    dir = up;
  }
}

/**
 * The Grafana dashboards bundled with the package (`dashboards/*.json`, generated from
 * `src/dashboards` and checked against it by the tests).
 * @example
 * ```ts
 * bundledDashboards(); // ['/…/node_modules/faultline/dashboards/faultline-http.json']
 * ```
 */
export function bundledDashboards(): string[] {
  const dir = join(packageRoot(), 'dashboards');
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')).sort() : [];
  if (files.length === 0) throw new CliError(`no dashboards in ${dir}`);
  return files.map((f) => join(dir, f));
}

/**
 * `faultline dashboards --out DIR`: writes the bundled Grafana dashboards into DIR (created when
 * missing), ready to import or to provision.
 * @example
 * ```ts
 * const program = new Command('faultline');
 * registerDashboards(program);
 * await program.parseAsync(['dashboards', '--out', './grafana/dashboards'], { from: 'user' });
 * ```
 */
export function registerDashboards(program: Command): void {
  program
    .command('dashboards')
    .description('write the Grafana dashboards (JSON, datasource as a variable) into a directory')
    .requiredOption('--out <dir>', 'directory to write the dashboards to (created when missing)')
    .addHelpText('after', '\nExamples:\n  faultline dashboards --out ./grafana/dashboards\n\nImport the files in Grafana (Dashboards > New > Import) or provision the directory (see the README).\n')
    .action((flags: { out: string }) => {
      const files = bundledDashboards();
      try {
        mkdirSync(flags.out, { recursive: true });
        for (const file of files) copyFileSync(file, join(flags.out, file.slice(dirname(file).length + 1)));
      } catch (err) {
        throw new CliError(`cannot write to ${flags.out} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
      }
      for (const file of files) process.stdout.write(`wrote ${join(flags.out, file.slice(dirname(file).length + 1))}\n`);
    });
}
