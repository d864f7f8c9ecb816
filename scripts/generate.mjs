// Regenerates the committed assets from their code: dashboards/*.json from src/dashboards and
// alerts/faultline.rules.yml from src/rules (default options). Run through `npm run generate`,
// which builds first; the unit tests fail when the committed files drift from the code.
import { mkdirSync, writeFileSync } from 'node:fs';
import { DASHBOARDS, renderDashboard } from '../dist/esm/dashboards/dashboards.js';
import { renderRuleFile } from '../dist/esm/rules/rule-file.js';

const root = new URL('../', import.meta.url);
mkdirSync(new URL('dashboards/', root), { recursive: true });
for (const spec of DASHBOARDS) {
  writeFileSync(new URL(`dashboards/${spec.file}`, root), renderDashboard(spec));
  process.stdout.write(`dashboards/${spec.file}\n`);
}
mkdirSync(new URL('alerts/', root), { recursive: true });
writeFileSync(new URL('alerts/faultline.rules.yml', root), renderRuleFile());
process.stdout.write('alerts/faultline.rules.yml\n');
