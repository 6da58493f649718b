import type {
  ColumnRef,
  QueryFilter,
  QueryResult,
  QuerySpec,
  WidgetColumn,
  WidgetControl,
  WidgetDataResponse,
  WidgetFieldSpec,
  WidgetTypeInfo,
} from '@cdp/contracts';
import type { z } from 'zod';

/**
 * What a widget's query is built from, with everything already resolved by the server against the
 * active data version: dataset names as stored, every mapped field as a checked `ColumnRef`, the
 * widget's own filters and the dashboard filters that apply to it as `QueryFilter`s.
 */
export interface WidgetContext<O> {
  options: O;
  /** The widget's dataset, as stored (e.g. `ADAE`). */
  dataset: string;
  /** The population dataset (one row per subject), when the widget has one. */
  population?: string;
  /** field → column; only fields that are mapped (and exist) are present. */
  fields: Partial<Record<string, ColumnRef>>;
  /**
   * The widget's fixed filters plus the dashboard filters (cross-filters included) that map onto
   * its columns. A filter whose column is in neither the dataset nor the population applies as a
   * subject semi-join.
   */
  filters: QueryFilter[];
  /**
   * Mapped fields whose column this reader sees masked (PHI without `data:view_phi`): their values
   * are not the data's, so a widget that joins them to something outside the data (review queries
   * by USUBJID) says so instead of matching nothing.
   */
  masked?: string[];
  /** The page a listing widget shows and the column its reader sorted by (a result column name). */
  view?: { offset: number; sort?: { key: string; dir: 'asc' | 'desc' } };
  /** What the study's settings tell widgets (its enrollment plan), when the study has set it. */
  study?: StudySettings;
}

/** Study settings widgets draw from: they are the study's, not one widget's, so every widget agrees. */
export interface StudySettings {
  /** Target subjects and the planned first and last enrollment day (`YYYY-MM-DD`, end after start). */
  enrollmentPlan?: { total: number; start: string; end: string };
  /**
   * Review queries per subject (USUBJID → count), read by the server from PostgreSQL for the
   * widgets that draw them (the query-rate KRI): every query raised, and those still open or
   * answered. Absent when not loaded; an empty map means the study has none.
   */
  reviewQueries?: { raised: Record<string, number>; outstanding: Record<string, number> };
}

/** What `toTable` produces: the shape every widget's data endpoint returns (less `meta`). */
export interface WidgetTable {
  columns: WidgetColumn[];
  rows: unknown[][];
  total?: number;
  metric?: WidgetDataResponse['metric'];
  notes?: string[];
  /** How many categories a top N's "Other" row merges (`WidgetDataResponse.otherCategories`). */
  otherCategories?: number;
  /** Choices the reader may change on the widget (its `readerOptions`), with the values offered. */
  controls?: WidgetControl[];
}

export type WidgetCategory = WidgetTypeInfo['category'];

/**
 * A widget type (`packages/widgets/<type>/`). Pure: no I/O. The server runs the queries that
 * `buildQueries` returns (in parallel, cached) and hands their results to `toTable`; charts then get
 * `toChartOption(table, options)`, which must return JSON only (no functions), because the same
 * option is sent to the browser and used by the exporters.
 */
export interface WidgetType<O extends Record<string, unknown> = Record<string, unknown>> {
  type: string;
  name: string;
  description: string;
  category: WidgetCategory;
  fields: WidgetFieldSpec[];
  /** Datasets this type usually reads, best first. */
  datasets: string[];
  needsPopulation: boolean;
  optionsVersion: number;
  options: z.ZodType<O>;
  defaultOptions: O;
  /** Moves options stored under an older `optionsVersion` forward (pure). */
  migrateOptions?: (options: Record<string, unknown>, fromVersion: number) => Record<string, unknown>;
  defaultSize: { w: number; h: number };
  /**
   * Options a reader may change on the widget in a dashboard view without editing the dashboard
   * (`?options=` of the widget's data, drill and export routes); the saved options are where they start.
   */
  readerOptions?: readonly string[];
  buildQueries(ctx: WidgetContext<O>): Record<string, QuerySpec>;
  toTable(results: Record<string, QueryResult>, ctx: WidgetContext<O>): WidgetTable;
  /** Undefined when these options ask for no chart (a table-first widget shown as a table). */
  toChartOption?(table: WidgetTable, options: O): Record<string, unknown> | undefined;
  /**
   * Extra filters that define the subjects behind this widget's aggregates beyond its own filters
   * (Serious AEs: `ae_serious = Y`), for drill-down.
   */
  drillFilters?(ctx: WidgetContext<O>): QueryFilter[];
}
