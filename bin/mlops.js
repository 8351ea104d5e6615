#!/usr/bin/env node
// The `mlops` command: runs the TypeScript CLI through tsx's CommonJS hook (no build step to forget).
require('tsx/cjs/api').register();
require('./mlops.ts');
