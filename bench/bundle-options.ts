import type { BuildOptions } from 'esbuild';

/**
 * What a bench bundle shares with the production build (`scripts/build-server.mjs`): ESM for Node 20,
 * a `require` made for code that still calls it, npm packages left external (our `@cdp/` packages and
 * JSON bundled), so a bench runs plain `node` the way the production server does.
 */
export function nodeBundleOptions(root: string): BuildOptions {
  return {
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    banner: {
      js: "import { createRequire as __cdpCreateRequire } from 'node:module'; const require = __cdpCreateRequire(import.meta.url);",
    },
    plugins: [
      {
        name: 'external-npm',
        setup(b) {
          b.onResolve({ filter: /^[^./]/ }, (args) =>
            args.path.startsWith('@cdp/') || args.path.endsWith('.json')
              ? undefined
              : { path: args.path, external: true },
          );
        },
      },
    ],
    logLevel: 'warning',
  };
}
