/**
 * The export renderers (`@cdp/reports`: pdfkit with its fonts, ECharts with the world map,
 * pptxgenjs, exceljs, resvg), loaded at their first use and kept for the life of the process.
 * Loaded with everything else they cost a process ~170 MB, which a worker that only runs pipelines
 * or pulls would carry for nothing; the first export pays their loading instead (1–2 s), or the
 * worker's start does where `EXPORT_RENDERERS_AT_START` asks for it. Every import of the package's
 * values goes through here (types may be imported directly): a static one would load it again at
 * start, and in the production build keep it in the entry file instead of a chunk of its own.
 */
export type Renderers = typeof import('@cdp/reports');

let loading: Promise<Renderers> | null = null;

export function loadRenderers(): Promise<Renderers> {
  loading ??= import('@cdp/reports').catch((error: unknown) => {
    // A failed load (a missing native module, say) is retried by the next export, not kept.
    loading = null;
    throw error;
  });
  return loading;
}
