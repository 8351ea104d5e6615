#!/usr/bin/env node
// `npm test` runs this first (pretest): the run-report test opens the HTML report in Debian's headless
// Chromium (/usr/bin/chromium). On a Debian machine where we are root it installs the package, so
// `npm ci && npm test` works on a fresh machine; elsewhere it says what to install and stops.
'use strict';
const { existsSync } = require('node:fs');
const { execSync } = require('node:child_process');

const CHROMIUM = '/usr/bin/chromium';
if (!existsSync(CHROMIUM)) {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (root && existsSync('/usr/bin/apt-get')) {
    process.stderr.write('pretest: installing Debian chromium for the run-report browser test (apt-get install -y chromium)\n');
    execSync('apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null', { stdio: 'inherit' });
  } else {
    process.stderr.write(`pretest: the run-report test needs Chromium at ${CHROMIUM}: install it with \`sudo apt-get install -y chromium\`\n`);
    process.exit(1);
  }
}
