#!/usr/bin/env node
// The `cdp` command (`npx cdp <mode>`): runs the production build (apps/server/dist/main.js, made by
// `npm run build`) when there is one, otherwise apps/server/src/main.ts through tsx.
// CDP_FROM_SOURCE=1 forces the sources (a developer whose build is older than their edits).
//
// CommonJS on purpose: DuckDB runs each query on a libuv thread, and libuv sizes its pool once,
// at first use. An ES module entry is itself read through that pool, so only a CommonJS entry
// can still raise UV_THREADPOOL_SIZE (Node's default 4 would queue a dashboard's queries).
'use strict';

process.env.UV_THREADPOOL_SIZE ||= '16';
const fs = require('node:fs');
const path = require('node:path');
const { pathToFileURL } = require('node:url');

const built = path.join(__dirname, '..', 'dist', 'main.js');
if (fs.existsSync(built) && process.env.CDP_FROM_SOURCE !== '1') {
  require(built);
} else {
  // `import('tsx')` is what `node --import tsx` does: it registers tsx's loader for what follows.
  import('tsx')
    .then(() => import(pathToFileURL(path.join(__dirname, '..', 'src', 'main.ts')).href))
    .catch((error) => {
      console.error(error);
      process.exitCode = 1;
    });
}
