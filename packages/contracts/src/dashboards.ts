import { z } from 'zod';
import { IsoDateTime, listOf, Reason, Uuid, withPermissions } from './common.ts';
import { FilterValue, QueryFilterOp, ResultColumnType } from './query.ts';

/**
 * Dashboard documents (ARCHITECTURE.md, "Dashboards"). The stored document carries `schemaVersion`;
 * older documents are moved forward by the pure functions in `@cdp/widgets` `migrations/` on read and
 * written back at the current version on save. This file holds the CURRENT shape only.
 */
export const DASHBOARD_SCHEMA_VERSION = 2;

/** A field a widget needs (`subject_id`, `arm`, `ae_term`, …): lower-case snake case. */
export const FieldKey = z.string().regex(/^[a-z][a-z0-9_]{0,47}$/, 'a field is lower-case letters, digits and _');
export type FieldKey = z.infer<typeof FieldKey>;

const Id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'an id is 1–64 letters, digits, - or _');
const Title = z.string().trim().min(1).max(200);

/**
 * A column reference inside a widget's mapping or filters: `COLUMN` (a column of the widget's
 * dataset) or `DATASET.COLUMN` (another dataset of the version, joined or semi-joined on the
 * `subject_id` column, which must then exist in both).
 */
export const ColumnPath = z
  .string()
  .regex(/^([A-Za-z0-9_]{1,64}\.)?[A-Za-z0-9_]{1,64}$/, 'a column is COLUMN or DATASET.COLUMN');
export type ColumnPath = z.infer<typeof ColumnPath>;

/** A fixed filter of a widget, on a column (not a field): `{ column: "SAFFL", op: "eq", value: "Y" }`. */
export const WidgetFilter = z.strictObject({ column: ColumnPath, op: QueryFilterOp, value: FilterValue });
export type WidgetFilter = z.infer<typeof WidgetFilter>;

export const WidgetData = z.strictObject({
  /** The dataset the widget reads (`AE`, `ADAE`, …). */
  dataset: z.string().min(1).max(64),
  /** The one-row-per-subject dataset that gives denominators and subject attributes (`DM`, `ADSL`). */
  population: z.string().min(1).max(64).optional(),
  /** field → column. Extra fields beyond the widget's contract (arm, site, …) let dashboard filters apply. */
  mapping: z.record(FieldKey, ColumnPath).default({}),
  filters: z.array(WidgetFilter).max(20).default([]),
});
export type WidgetData = z.infer<typeof WidgetData>;

export const WidgetDefinition = z.strictObject({
  type: z.string().regex(/^[a-z][a-z0-9-]{0,47}$/),
  title: Title,
  subtitle: z.string().max(300).optional(),
  optionsVersion: z.number().int().min(1),
  options: z.record(z.string(), z.unknown()).default({}),
  data: WidgetData,
});
export type WidgetDefinition = z.infer<typeof WidgetDefinition>;

/** Grid units: 12 columns; a row is 40 px. */
export const LayoutItem = z.strictObject({
  i: Id,
  x: z.number().int().min(0).max(11),
  y: z.number().int().min(0).max(10_000),
  w: z.number().int().min(1).max(12),
  h: z.number().int().min(1).max(100),
});
export type LayoutItem = z.infer<typeof LayoutItem>;

export const DashboardPage = z
  .strictObject({
    id: Id,
    title: Title,
    layout: z.array(LayoutItem).max(60),
    widgets: z.record(Id, WidgetDefinition),
  })
  .superRefine((page, ctx) => {
    const placed = new Set(page.layout.map((item) => item.i));
    if (placed.size !== page.layout.length)
      ctx.addIssue({ code: 'custom', path: ['layout'], message: 'a widget is placed twice' });
    for (const id of placed) {
      if (!page.widgets[id])
        ctx.addIssue({
          code: 'custom',
          path: ['layout'],
          message: `layout places widget "${id}", which is not defined`,
        });
    }
    for (const id of Object.keys(page.widgets)) {
      if (!placed.has(id))
        ctx.addIssue({ code: 'custom', path: ['widgets', id], message: `widget "${id}" has no place in the layout` });
    }
  });
export type DashboardPage = z.infer<typeof DashboardPage>;

/**
 * A dashboard-wide filter. `select`/`multi`: values of the field; `age-group`: fixed age bands;
 * `date-range`: from/to dates; `range`: numbers.
 */
export const DashboardFilterDef = z.strictObject({
  id: Id,
  field: FieldKey,
  label: z.string().trim().min(1).max(100),
  kind: z.enum(['select', 'multi', 'age-group', 'date-range', 'range']),
});
export type DashboardFilterDef = z.infer<typeof DashboardFilterDef>;

export const DashboardDocument = z
  .strictObject({
    schemaVersion: z.literal(DASHBOARD_SCHEMA_VERSION),
    filters: z.array(DashboardFilterDef).max(20).default([]),
    pages: z.array(DashboardPage).min(1).max(20),
  })
  .superRefine((doc, ctx) => {
    const pages = new Set<string>();
    const widgets = new Set<string>();
    doc.pages.forEach((page, p) => {
      if (pages.has(page.id))
        ctx.addIssue({ code: 'custom', path: ['pages', p, 'id'], message: `page id "${page.id}" is used twice` });
      pages.add(page.id);
      for (const id of Object.keys(page.widgets)) {
        if (widgets.has(id))
          ctx.addIssue({
            code: 'custom',
            path: ['pages', p, 'widgets', id],
            message: `widget id "${id}" is used on two pages`,
          });
        widgets.add(id);
      }
    });
  });
export type DashboardDocument = z.infer<typeof DashboardDocument>;

// ---------------------------------------------------------------------------------------------
// Filters applied at view time (URL state → API)

/** A dashboard filter's current value, in field terms: the server maps it onto each widget's columns. */
export const AppliedFilter = z.strictObject({
  field: FieldKey,
  op: z.enum(['eq', 'in', 'between', 'ge', 'le']),
  value: FilterValue,
});
export type AppliedFilter = z.infer<typeof AppliedFilter>;

function parseJson(value: string, ctx: z.RefinementCtx, what: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: `${what} must be JSON` });
    return z.NEVER;
  }
}

/** `?filters=[{"field":"arm","op":"in","value":["Placebo"]}]` */
export const AppliedFiltersParam = z
  .string()
  .max(20_000)
  .optional()
  .transform((v, ctx) => (v ? parseJson(v, ctx, 'filters') : []))
  .pipe(z.array(AppliedFilter).max(30));

/**
 * `?options={"serious":"serious","severity":["MILD"]}`: the choices a reader made on the widget itself
 * (its type's `readerOptions`, e.g. the AE explorer's seriousness, severity, relatedness and outcome),
 * laid over the saved options for this answer only. An option the type does not offer is a 400.
 */
export const ReaderOptionsParam = z
  .string()
  .max(10_000)
  .optional()
  .transform((v, ctx) => (v ? parseJson(v, ctx, 'options') : {}))
  .pipe(z.record(z.string().max(64), z.unknown()));

/**
 * `offset` pages a listing (table, subject listing); `sort=COLUMN` or `sort=-COLUMN` sorts it by one of
 * the columns of its answer (by `name`). Other widgets ignore both.
 */
export const WidgetDataQuery = z.object({
  filters: AppliedFiltersParam,
  options: ReaderOptionsParam,
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  sort: z
    .string()
    .regex(/^-?[A-Za-z0-9_.]{1,130}$/, 'sort is a column name, with - for descending')
    .optional(),
});

/** `?point={"arm":"Placebo","ae_term":"NAUSEA"}`: the clicked aggregate, in field terms. */
export const DrillQuery = z.object({
  filters: AppliedFiltersParam,
  options: ReaderOptionsParam,
  point: z
    .string()
    .max(10_000)
    .optional()
    .transform((v, ctx) => (v ? parseJson(v, ctx, 'point') : {}))
    .pipe(z.record(FieldKey, z.union([z.string(), z.number(), z.boolean(), z.null()]))),
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});

/** The drill-down's subjects as a file: the same `point` and `filters`, every subject (no paging). */
export const DrillExportQuery = DrillQuery.pick({ filters: true, point: true, options: true }).extend({
  format: z.enum(['csv', 'xlsx']).default('csv'),
});

export const WidgetColumn = z.object({
  name: z.string(),
  label: z.string(),
  type: ResultColumnType,
  /** The field this column shows, when it is a dimension: clicking a cell filters or drills on it. */
  field: FieldKey.optional(),
  /**
   * A count column of one group (an arm's n): its cell drills to the row's point plus this, e.g.
   * `{ "arm": "Placebo" }` lists that arm's subjects with the row's event.
   */
  drill: z.record(FieldKey, z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
});
export type WidgetColumn = z.infer<typeof WidgetColumn>;

/**
 * One choice a reader may change on the widget (the AE explorer's severity): the option it sets, the
 * values offered (from the data, case- and blank-insensitively distinct) and those chosen now. An
 * empty `selected` keeps every value.
 */
export const WidgetControl = z.object({
  option: z.string(),
  label: z.string(),
  multiple: z.boolean(),
  values: z.array(z.object({ value: z.string(), label: z.string() })),
  selected: z.array(z.string()),
});
export type WidgetControl = z.infer<typeof WidgetControl>;

export const WidgetDataResponse = z.object({
  columns: z.array(WidgetColumn),
  rows: z.array(z.array(z.unknown())),
  total: z.number().int().optional(),
  /** ECharts option for chart widgets (JSON only: no functions). */
  chart: z.record(z.string(), z.unknown()).optional(),
  /** Metric widgets: the headline value, an optional comparison and trend. */
  metric: z
    .object({
      value: z.number().nullable(),
      format: z.enum(['integer', 'number', 'percent']),
      comparison: z.object({ label: z.string(), value: z.number().nullable() }).optional(),
      trend: z.array(z.object({ period: z.string(), value: z.number() })).optional(),
    })
    .optional(),
  /** Notes for the reader (e.g. "3 subjects without an arm are left out"). */
  notes: z.array(z.string()).default([]),
  /**
   * A top N's "Other" (a row of its own, not one category): how many categories it merges. Absent
   * when the answer has no Other.
   */
  otherCategories: z.number().int().min(1).optional(),
  /** Choices the reader may change on the widget itself (`?options=`), with the values the data offer. */
  controls: z.array(WidgetControl).optional(),
  meta: z.object({
    versionId: Uuid,
    applied: z.array(FieldKey),
    /** Dashboard filters this widget has no mapping for. */
    ignored: z.array(FieldKey),
    cached: z.boolean(),
    ms: z.number(),
  }),
});
export type WidgetDataResponse = z.infer<typeof WidgetDataResponse>;

export const SubjectListing = z.object({
  columns: z.array(WidgetColumn),
  rows: z.array(z.array(z.unknown())),
  total: z.number().int(),
  /** What was drilled into, in words ("Arm = Placebo, Preferred term = NAUSEA"). */
  description: z.string(),
});
export type SubjectListing = z.infer<typeof SubjectListing>;

// ---------------------------------------------------------------------------------------------
// Mapping

export const MappingSuggestion = z.object({
  field: FieldKey,
  column: ColumnPath,
  /** 0–1: 1 for a CDISC standard variable in its standard dataset, lower for name/label matches. */
  confidence: z.number().min(0).max(1),
  reason: z.string(),
});
export type MappingSuggestion = z.infer<typeof MappingSuggestion>;

export const MappingIssue = z.object({
  field: FieldKey,
  kind: z.enum(['missing', 'unknown-column', 'type-mismatch', 'unknown-dataset']),
  message: z.string(),
});
export type MappingIssue = z.infer<typeof MappingIssue>;

export const MappingReport = z.object({
  /** Required fields mapped ÷ required fields. */
  coverage: z.number().min(0).max(1),
  issues: z.array(MappingIssue),
});
export type MappingReport = z.infer<typeof MappingReport>;

export const SuggestMappingBody = z.strictObject({
  type: z.string().min(1).max(48),
  dataset: z.string().max(64).optional(),
  population: z.string().max(64).optional(),
  /** Fields wanted beyond the type's contract (e.g. the dashboard's filter fields). */
  extraFields: z.array(FieldKey).max(30).default([]),
});

export const SuggestMappingResponse = z.object({
  dataset: z.string().nullable(),
  population: z.string().nullable(),
  mapping: z.record(FieldKey, ColumnPath),
  suggestions: z.array(MappingSuggestion),
  /** Alternatives per field, best first (for the builder's pickers). */
  candidates: z.record(FieldKey, z.array(MappingSuggestion)),
  report: MappingReport,
});
export type SuggestMappingResponse = z.infer<typeof SuggestMappingResponse>;

export const WidgetPreviewBody = z.strictObject({
  widget: WidgetDefinition,
  filters: z.array(AppliedFilter).max(30).default([]),
});

export const WidgetPreviewResponse = z.object({
  data: WidgetDataResponse.nullable(),
  /** Why there is no data (mapping incomplete, query failed), in words. */
  error: z.string().nullable(),
  report: MappingReport,
  /** The first rows of the mapped columns, as the dataset has them. */
  sample: z.object({ columns: z.array(WidgetColumn), rows: z.array(z.array(z.unknown())) }),
});
export type WidgetPreviewResponse = z.infer<typeof WidgetPreviewResponse>;

// ---------------------------------------------------------------------------------------------
// Widget catalogue (GET /api/widget-types)

export const WidgetFieldSpec = z.object({
  key: FieldKey,
  label: z.string(),
  required: z.boolean(),
  /** Column types that fit; `any` for all. */
  types: z.array(z.enum(['string', 'number', 'date', 'boolean', 'any'])),
  /** Which dataset the field is read from by default. */
  source: z.enum(['dataset', 'population']),
  description: z.string().optional(),
});
export type WidgetFieldSpec = z.infer<typeof WidgetFieldSpec>;

export const WidgetTypeInfo = z.object({
  type: z.string(),
  name: z.string(),
  description: z.string(),
  category: z.enum(['metric', 'chart', 'table', 'clinical', 'map', 'flow']),
  fields: z.array(WidgetFieldSpec),
  /** Datasets this type usually reads, best first (`["ADAE", "AE"]`). */
  datasets: z.array(z.string()),
  needsPopulation: z.boolean(),
  optionsVersion: z.number().int(),
  /** JSON Schema of the options (for the builder's properties form). */
  optionsSchema: z.record(z.string(), z.unknown()),
  defaultOptions: z.record(z.string(), z.unknown()),
  defaultSize: z.object({ w: z.number().int(), h: z.number().int() }),
});
export type WidgetTypeInfo = z.infer<typeof WidgetTypeInfo>;

// ---------------------------------------------------------------------------------------------
// Dashboards API

export const DashboardActor = z.object({ id: Uuid, name: z.string() }).nullable();

export const DashboardSummary = z.object({
  id: Uuid,
  studyId: Uuid,
  name: z.string(),
  description: z.string().nullable(),
  templateId: z.string().nullable(),
  /** Increases by one on every save; a PUT names the version it edits. */
  version: z.number().int(),
  pages: z.array(z.object({ id: z.string(), title: z.string(), widgets: z.number().int() })),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
  updatedBy: DashboardActor,
});
export type DashboardSummary = z.infer<typeof DashboardSummary>;

export const UnmappedWidget = z.object({
  pageId: z.string(),
  widgetId: z.string(),
  title: z.string(),
  fields: z.array(FieldKey),
  /** Why the widget cannot be drawn, in the words the widget itself shows ("The active data has no dataset LB."). */
  reason: z.string().optional(),
});

/**
 * Which data a dashboard shows: the study's active data version, where it came from, when it was
 * loaded, and when and by whom it was made the active one (the last activation or roll back).
 */
export const DataVersionStamp = z.object({
  id: Uuid,
  /** The version's folder name, `YYYYMMDD_HHMMSS`. */
  label: z.string(),
  source: z.object({ kind: z.enum(['upload', 'demo']), fileName: z.string() }),
  loadedAt: IsoDateTime,
  loadedBy: z.string().nullable(),
  activatedAt: IsoDateTime,
  activatedBy: z.string().nullable(),
  /** How it became active: the first version of a study, a newer one activated, or a roll back. */
  activation: z.enum(['first', 'activated', 'rolled_back']),
});
export type DataVersionStamp = z.infer<typeof DataVersionStamp>;

export const Dashboard = DashboardSummary.extend({
  document: DashboardDocument,
  /** Widgets whose required fields are not all mapped to columns of the active data version. */
  unmapped: z.array(UnmappedWidget),
  /** The active data version the widgets read, or null when the study has no data yet. */
  activeVersionId: Uuid.nullable(),
  /** The active data version, described for the dashboard's header; null without data. */
  dataVersion: DataVersionStamp.nullable(),
});
export type Dashboard = z.infer<typeof Dashboard>;

/** `permissions`: the `dashboard:*` permissions you hold on the dashboard's study. */
export const DashboardResource = withPermissions(Dashboard);
export type DashboardResource = z.infer<typeof DashboardResource>;

export const DashboardList = listOf(DashboardSummary);
export type DashboardList = z.infer<typeof DashboardList>;

const DashboardName = z.string().trim().min(1).max(200);

export const CreateDashboardBody = z
  .strictObject({
    name: DashboardName,
    description: z.string().trim().max(2000).optional(),
    /** Start from a template (built-in id like `clinical-study-overview`, or an organization template's uuid). */
    templateId: z.string().max(100).optional(),
    /** Or from a document (any schemaVersion this server can migrate). */
    document: z.record(z.string(), z.unknown()).optional(),
  })
  .refine((b) => !(b.templateId && b.document), { message: 'give templateId or document, not both' });
export type CreateDashboardBody = z.infer<typeof CreateDashboardBody>;

export const UpdateDashboardBody = z.strictObject({
  /** The version this edit was made on; a newer stored version makes the save a 409. */
  version: z.number().int().min(1),
  name: DashboardName.optional(),
  description: z.string().trim().max(2000).nullable().optional(),
  document: z.record(z.string(), z.unknown()),
  /** A short note on what changed, kept with the version. */
  comment: z.string().trim().max(500).optional(),
});
export type UpdateDashboardBody = z.infer<typeof UpdateDashboardBody>;

export const DeleteDashboardBody = z.strictObject({ reason: Reason.optional() }).nullish();

export const DashboardParams = z.object({ id: Uuid, did: Uuid });
export const DashboardVersionParams = z.object({ id: Uuid, did: Uuid, version: z.coerce.number().int().min(1) });
export const WidgetParams = z.object({ id: Uuid, did: Uuid, wid: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) });

export const DashboardVersionEntry = z.object({
  version: z.number().int(),
  name: z.string(),
  comment: z.string().nullable(),
  createdAt: IsoDateTime,
  createdBy: DashboardActor,
  widgets: z.number().int(),
});
export type DashboardVersionEntry = z.infer<typeof DashboardVersionEntry>;

export const DashboardVersionList = listOf(DashboardVersionEntry);
export type DashboardVersionList = z.infer<typeof DashboardVersionList>;

export const DashboardVersionDetail = DashboardVersionEntry.extend({ document: DashboardDocument });
export const DashboardVersionResource = withPermissions(DashboardVersionDetail);
export type DashboardVersionResource = z.infer<typeof DashboardVersionResource>;

export const RestoreDashboardBody = z.strictObject({
  /** The current version the restore is made on (as for a PUT). */
  version: z.number().int().min(1),
});

export const DashboardDiffQuery = z.object({
  from: z.coerce.number().int().min(1),
  to: z.coerce.number().int().min(1),
});

export const DashboardDiff = z.object({
  from: z.number().int(),
  to: z.number().int(),
  nameChanged: z.object({ from: z.string(), to: z.string() }).nullable(),
  pages: z.object({
    added: z.array(z.string()),
    removed: z.array(z.string()),
    renamed: z.array(z.object({ id: z.string(), from: z.string(), to: z.string() })),
  }),
  widgets: z.object({
    added: z.array(z.object({ pageId: z.string(), id: z.string(), title: z.string() })),
    removed: z.array(z.object({ pageId: z.string(), id: z.string(), title: z.string() })),
    changed: z.array(z.object({ pageId: z.string(), id: z.string(), title: z.string(), paths: z.array(z.string()) })),
    moved: z.array(z.object({ pageId: z.string(), id: z.string(), title: z.string() })),
  }),
  filters: z.object({ added: z.array(z.string()), removed: z.array(z.string()) }),
});
export type DashboardDiff = z.infer<typeof DashboardDiff>;

export const DashboardTemplate = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  scope: z.enum(['builtin', 'organization']),
  pages: z.array(z.object({ id: z.string(), title: z.string(), widgets: z.number().int() })),
  document: DashboardDocument,
  createdAt: IsoDateTime.nullable(),
});
export type DashboardTemplate = z.infer<typeof DashboardTemplate>;

export const DashboardTemplateList = listOf(DashboardTemplate);
export type DashboardTemplateList = z.infer<typeof DashboardTemplateList>;

export const CreateTemplateBody = z.strictObject({
  name: DashboardName,
  description: z.string().trim().max(2000).default(''),
  /** Save this study dashboard's current document as an organization template. */
  studyId: Uuid,
  dashboardId: Uuid,
});

export const TemplateParams = z.object({ tid: Uuid });

export const CreateDashboardResponse = DashboardResource;

/** `GET /api/studies/:id/dashboards/:did/filters/:fid/values`: the values a dashboard filter offers. */
export const FilterParams = z.object({ id: Uuid, did: Uuid, fid: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) });
export const FilterValues = z.object({
  field: FieldKey,
  /** Distinct values with the number of subjects (population rows) having each; at most 500. */
  values: z.array(z.object({ value: z.union([z.string(), z.number(), z.boolean()]), count: z.number().int() })),
  /** For `range`/`age-group`/`date-range`: the smallest and largest value. */
  min: z.union([z.string(), z.number()]).nullable(),
  max: z.union([z.string(), z.number()]).nullable(),
});
export type FilterValues = z.infer<typeof FilterValues>;

export const WidgetTypeList = listOf(WidgetTypeInfo);
export type WidgetTypeList = z.infer<typeof WidgetTypeList>;
/** `permissions`: `dashboard:delete:assigned` when you may delete organization templates. */
export const DashboardTemplateResponse = withPermissions(DashboardTemplate);
export type DashboardTemplateResponse = z.infer<typeof DashboardTemplateResponse>;
