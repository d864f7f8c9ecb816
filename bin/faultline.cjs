#!/usr/bin/env node
'use strict';
const { version } = require('../package.json');
require('../dist/cjs/cli/main.js').main(process.argv.slice(2), version).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write(`faultline: ${err && err.message ? err.message : String(err)}\n`); process.exitCode = 1; },
);
