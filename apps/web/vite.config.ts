import tailwindcss from '@tailwindcss/vite';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { compileHints, earlyScript, precompress, preloadChunksOf, preloadFonts } from './build-plugins.ts';

// The API runs separately in development (see README); `/api` is proxied to it so the refresh
// cookie stays first-party, exactly as when the server serves the built app itself.
const apiTarget = process.env.CDP_API_URL ?? 'http://localhost:3000';

const NODE_MODULES = /[\\/]node_modules[\\/]/;
/** Libraries only the dashboard builder imports (its drag-and-drop grid). */
const BUILDER_ONLY =
  /[\\/]node_modules[\\/](react-grid-layout|react-draggable|react-resizable|fast-equals|resize-observer-polyfill)[\\/]/;
const ECHARTS = /[\\/]node_modules[\\/](echarts|zrender)[\\/]/;
/** ECharts modules only the patient profile registers (`features/subjects/lib/profile-echarts.ts`). */
const ECHARTS_PROFILE_ONLY =
  /[\\/]node_modules[\\/]echarts[\\/]lib[\\/](chart[\\/]custom|component[\\/](dataZoom|marker[\\/](MarkArea|installMarkArea)))/;

export default defineConfig({
  plugins: [
    react(),
    tailwindcss(),
    // The dashboard page's own chunks load beside the entry (main.tsx asks for them at boot anyway).
    preloadChunksOf(/[\\/]features[\\/]dashboards[\\/]components[\\/]dashboard-page\.tsx$/),
    // Latin text in Inter: every page uses it, and charts draw only once it has loaded.
    preloadFonts(/inter-latin-wght-normal-/),
    // The session refresh and a dashboard's first requests start before the bundle has run.
    earlyScript('src/boot/early-requests.ts'),
    // What a visit runs as it loads is compiled off the main thread and kept whole in V8's code cache.
    compileHints(/[\\/]features[\\/]dashboards[\\/]components[\\/]dashboard-page\.tsx$/),
    precompress(),
  ],
  server: {
    proxy: { '/api': { target: apiTarget, changeOrigin: false } },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 700,
    rolldownOptions: {
      output: {
        // Libraries change far less often than the app: a separate chunk stays cached across releases.
        // ECharts and the world map load only with the dashboard pages that use them.
        codeSplitting: {
          groups: [
            { name: 'echarts', test: (id) => ECHARTS.test(id) && !ECHARTS_PROFILE_ONLY.test(id), priority: 20 },
            // What only the patient profile draws (its timeline: a custom series, data zoom, marked
            // areas): not in the chunk every dashboard visit loads and evaluates. Taken after the
            // group above, so the ECharts code both use stays there.
            { name: 'echarts-profile', test: ECHARTS_PROFILE_ONLY, priority: 15 },
            {
              name: 'world',
              test: /[\\/]node_modules[\\/](world-atlas|i18n-iso-countries|topojson-client)[\\/]/,
              priority: 20,
            },
            // CodeMirror loads only with the pipeline editors.
            {
              name: 'codemirror',
              test: /[\\/]node_modules[\\/](@codemirror|@lezer|crelt|style-mod|w3c-keyname)[\\/]/,
              priority: 20,
            },
            // cron-parser (and luxon) only with the pipeline pages.
            { name: 'schedule', test: /[\\/]node_modules[\\/](cron-parser|luxon)[\\/]/, priority: 20 },
            // Not the builder's drag-and-drop grid (the dashboard view places widgets with CSS grid):
            // left out of every group, it goes with the builder's own chunk.
            { name: 'vendor', test: (id) => NODE_MODULES.test(id) && !BUILDER_ONLY.test(id), priority: 10 },
          ],
        },
      },
    },
  },
});
