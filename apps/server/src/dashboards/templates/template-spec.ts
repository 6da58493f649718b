import type { DashboardFilterDef, QueryFilterOp } from '@cdp/contracts';

/**
 * A built-in template, written in field terms so it fits any study: each widget names the datasets
 * it can read (first present wins) and, for generic charts, which clinical field each of its fields
 * shows (`bind: { category: "ae_body_system" }`). Creating a dashboard from it maps every field with
 * the mapping suggestions for the study's active data version.
 */
export interface TemplateWidget {
  id: string;
  type: string;
  title: string;
  subtitle?: string;
  options?: Record<string, unknown>;
  at: { x: number; y: number; w: number; h: number };
  /** Candidate datasets, best first; default: the type's own preference. */
  datasets?: string[];
  /**
   * Left out of the dashboard when the study has none of `datasets` (Kaplan-Meier without ADTTE):
   * a widget that could never show anything there. Without it, such a widget stays and says which
   * dataset it lacks.
   */
  onlyWithData?: boolean;
  /** generic field → the clinical field whose suggested column it takes. */
  bind?: Record<string, string>;
  /** Fixed filters in field terms; `onlyFor` limits one to some datasets (DSCAT exists in DS only). */
  filters?: Array<{
    field?: string;
    column?: string;
    op: QueryFilterOp;
    value?: string | number | boolean | Array<string | number>;
    onlyFor?: string[];
  }>;
}

export interface TemplateSpec {
  id: string;
  name: string;
  description: string;
  filters: DashboardFilterDef[];
  pages: Array<{ id: string; title: string; widgets: TemplateWidget[] }>;
}
