import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import type { Plugin } from 'vite';

const brotli = promisify(brotliCompress);
const gzipped = promisify(gzip);

/** Text assets worth compressing; fonts and images are compressed already. */
const COMPRESSIBLE = /\.(js|css|svg|json|map|txt)$/;
const MIN_BYTES = 1024;

/**
 * Writes `<file>.br` and `<file>.gz` beside each text asset of the build, once, at build time, so
 * the server sends them as they are (`@fastify/static`'s `preCompressed`) instead of compressing
 * ~2 MB of JavaScript on every first visit, or sending it uncompressed. Brotli at quality 9: within
 * a few percent of 11 at a fraction of the build time.
 */
export function precompress(): Plugin {
  let outDir = 'dist';
  return {
    name: 'cdp-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = path.resolve(config.root, config.build.outDir);
    },
    async closeBundle() {
      const dir = path.join(outDir, 'assets');
      const files = (await readdir(dir)).filter((f) => COMPRESSIBLE.test(f));
      await Promise.all(
        files.map(async (name) => {
          const file = path.join(dir, name);
          const body = await readFile(file);
          if (body.length < MIN_BYTES) return;
          const [br, gz] = await Promise.all([
            brotli(body, {
              params: {
                [constants.BROTLI_PARAM_QUALITY]: 9,
                [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
              },
            }),
            gzipped(body, { level: 9 }),
          ]);
          await Promise.all([writeFile(`${file}.br`, br), writeFile(`${file}.gz`, gz)]);
        }),
      );
    },
  };
}

/**
 * `<link rel="modulepreload">` in index.html for the chunks of the modules named (and the chunks
 * they import), so a page opened by its address downloads its code beside the app's entry rather
 * than after the entry has run and asked for it. Used for the dashboard page, the most visited one
 * and the heaviest; its chunks are small next to the entry.
 */
export function preloadChunksOf(modules: RegExp): Plugin {
  return {
    name: 'cdp-preload-chunks',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(html, ctx) {
        const bundle = ctx.bundle;
        if (!bundle) return html;
        const chunks = Object.values(bundle).filter((c) => c.type === 'chunk');
        const byName = new Map(chunks.map((c) => [c.fileName, c]));
        const wanted = new Set<string>();
        const visit = (fileName: string) => {
          if (wanted.has(fileName)) return;
          const chunk = byName.get(fileName);
          if (!chunk || chunk.isEntry) return;
          wanted.add(fileName);
          for (const imported of chunk.imports) visit(imported);
        };
        for (const chunk of chunks)
          if (chunk.facadeModuleId && modules.test(chunk.facadeModuleId)) visit(chunk.fileName);
        const links = [...wanted]
          .filter((fileName) => !html.includes(`/${fileName}"`))
          .map((fileName) => `<link rel="modulepreload" crossorigin href="/${fileName}">`);
        return links.length ? html.replace(/\s*<\/head>/, `\n    ${links.join('\n    ')}\n  </head>`) : html;
      },
    },
  };
}

/** V8's explicit compile hint: compile every function of the file eagerly (Chrome 136+). */
export const COMPILE_HINT = '//# allFunctionsCalledOnLoad\n';

/**
 * Marks the code a visit runs as it loads for eager compilation (`//# allFunctionsCalledOnLoad`,
 * the file's first line): the entry and everything it imports statically, and the chunks of the
 * modules named (the dashboard page). V8 otherwise compiles a function on its first call, on the
 * main thread, and keeps in its code cache only what was compiled when the cache was made, so
 * every visit, warm ones too, compiled ECharts' drawing code and React's again while the charts
 * were drawn (~200 ms of main-thread time per visit on a loaded machine). Marked files are
 * compiled whole off the main thread as they stream in, and the code cache then holds all of it.
 * Other pages' chunks (editors, CodeMirror, schedules) keep lazy compilation.
 */
export function compileHints(modules: RegExp): Plugin {
  return {
    name: 'cdp-compile-hints',
    apply: 'build',
    // After Vite's own additions to the chunks (the entry's `__vite__mapDeps` line): the hint
    // must be the file's first line. File names keep the hash of the code without it, which is
    // the same for the same sources.
    generateBundle: {
      order: 'post',
      handler(_options, bundle) {
        const chunks = Object.values(bundle).filter((c) => c.type === 'chunk');
        const byName = new Map(chunks.map((c) => [c.fileName, c]));
        const marked = new Set<string>();
        const visit = (fileName: string) => {
          const chunk = byName.get(fileName);
          if (!chunk || marked.has(fileName)) return;
          marked.add(fileName);
          for (const imported of chunk.imports) visit(imported);
        };
        for (const chunk of chunks) {
          const named = chunk.facadeModuleId !== null && modules.test(chunk.facadeModuleId);
          // The early-requests script is an entry of its own: it is tiny and runs once.
          if ((chunk.isEntry && chunk.name !== 'early') || named) visit(chunk.fileName);
        }
        for (const fileName of marked) {
          const chunk = byName.get(fileName);
          if (chunk && !chunk.code.startsWith(COMPILE_HINT)) chunk.code = COMPILE_HINT + chunk.code;
        }
      },
    },
  };
}

/**
 * `<link rel="preload" as="font">` for the build's font files whose names match: the browser
 * otherwise asks for a font only once styled text is laid out, and the charts wait for the page's
 * font before measuring their labels (`document.fonts.ready`).
 */
export function preloadFonts(files: RegExp): Plugin {
  return {
    name: 'cdp-preload-fonts',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(html, ctx) {
        const fonts = Object.keys(ctx.bundle ?? {}).filter((name) => name.endsWith('.woff2') && files.test(name));
        const links = fonts.map(
          (name) => `<link rel="preload" as="font" type="font/woff2" crossorigin href="/${name}">`,
        );
        return links.length ? html.replace(/\s*<\/head>/, `\n    ${links.join('\n    ')}\n  </head>`) : html;
      },
    },
  };
}

/**
 * Builds `entry` as a script of its own (importing nothing of the app) and puts it first in
 * index.html, `async`: it runs as soon as it has arrived, before the app's bundle has even loaded.
 * Used for `src/boot/early-requests.ts`, which starts the session refresh and the first page's
 * requests while the bundle loads.
 */
export function earlyScript(entry: string): Plugin {
  let file = '';
  return {
    name: 'cdp-early-script',
    apply: 'build',
    configResolved(config) {
      file = path.resolve(config.root, entry);
    },
    buildStart() {
      this.emitFile({ type: 'chunk', id: file, name: 'early' });
    },
    generateBundle(_options, bundle) {
      for (const chunk of Object.values(bundle)) {
        if (chunk.type === 'chunk' && chunk.facadeModuleId === file && chunk.imports.length > 0)
          this.error(`${entry} must import nothing (it imports ${chunk.imports.join(', ')})`);
      }
    },
    transformIndexHtml: {
      order: 'post',
      handler(html, ctx) {
        const chunk = Object.values(ctx.bundle ?? {}).find((c) => c.type === 'chunk' && c.facadeModuleId === file);
        if (!chunk) return html;
        const tag = `<script type="module" async crossorigin src="/${chunk.fileName}"></script>`;
        return html.replace(/<title>/, `${tag}\n    <title>`);
      },
    },
  };
}
