// Dual build: dist/esm (ES modules) and dist/cjs (CommonJS), each with its own .d.ts files.
// Plain tsc, twice: tsdown needs Node 22 and tsup's type build breaks on newer TypeScript
// (../shared/toolchain.md).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';

const tsc = new URL('../node_modules/typescript/bin/tsc', import.meta.url).pathname;
// dist/ is not wiped first: tests in other processes may be reading it while we rebuild.
for (const config of ['tsconfig.build.json', 'tsconfig.build.cjs.json']) {
  execFileSync(process.execPath, [tsc, '-p', config], { stdio: 'inherit' });
}
// The nearest package.json decides how Node reads a .js file: mark each tree explicitly.
writeFileSync(new URL('../dist/cjs/package.json', import.meta.url), '{ "type": "commonjs" }\n');
writeFileSync(new URL('../dist/esm/package.json', import.meta.url), '{ "type": "module" }\n');
