#!/usr/bin/env node
// The `mlops` command: runs the TypeScript CLI through tsx's CommonJS hook (no build step to forget).
// The lockfile pins AWS SDK releases that support Node 20: its notice about later releases is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
require('tsx/cjs/api').register();
require('./mlops.ts');
