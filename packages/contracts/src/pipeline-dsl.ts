import { z } from 'zod';

/**
 * The pipeline DSL: a JSON list of steps over named datasets, compiled to DuckDB SQL by
 * `@cdp/pipelines`. This file is only the shape (checked by zod, shared with the web form); what a
 * step means against the input schemas (columns exist, types agree, expressions parse) is checked by
 * `checkDsl` in `@cdp/pipelines`, step by step.
 *
 * Datasets: the pipeline's inputs under the names the definition gives them (`DM`, `LB`), plus every
 * `output_name` a step creates. A step reads `dataset` and, without `output_name`, replaces it with its
 * result (so `drop_columns` on DM then `filter_rows` on DM see the dropped DM). Names match
 * case-insensitively, as DuckDB identifiers do. Only `save_dataset` makes an output of the run.
 *
 * Every operation and parameter carries a human label and description in {@link DSL_OPERATIONS}
 * (also attached to the zod schemas with `.meta`), from which the web app builds its step forms.
 */

const Name = z.string().trim().min(1).max(128);
/** A name a step creates (dataset or column): letters, digits, underscores, not starting with a digit. */
export const DslNewName = z
  .string()
  .regex(
    /^[A-Za-z_][A-Za-z0-9_]{0,63}$/,
    'a new name is a letter or underscore, then up to 63 letters, digits or underscores',
  );
const ColumnList = z.array(Name).min(1).max(1000);

export const DSL_FILTER_OPERATORS = [
  'equals',
  'not_equals',
  'greater_than',
  'greater_or_equal',
  'less_than',
  'less_or_equal',
  'in',
  'not_in',
  'contains',
  'starts_with',
  'is_null',
  'is_not_null',
  'between',
] as const;
export const DslFilterOperator = z.enum(DSL_FILTER_OPERATORS);
export type DslFilterOperator = z.infer<typeof DslFilterOperator>;

export const DSL_FILTER_OPERATOR_LABELS: Record<DslFilterOperator, string> = {
  equals: 'equals',
  not_equals: 'does not equal',
  greater_than: 'is greater than',
  greater_or_equal: 'is greater than or equal to',
  less_than: 'is less than',
  less_or_equal: 'is less than or equal to',
  in: 'is one of',
  not_in: 'is none of',
  contains: 'contains',
  starts_with: 'starts with',
  is_null: 'is missing',
  is_not_null: 'is not missing',
  between: 'is between (inclusive)',
};

const Scalar = z.union([z.string().max(1000), z.number(), z.boolean()]);
export type DslScalar = z.infer<typeof Scalar>;

/**
 * One condition. `value`: a scalar for comparisons, `contains` and `starts_with`; a list for `in` and
 * `not_in`; `[low, high]` (inclusive) for `between`; nothing for `is_null` and `is_not_null`.
 * Dates and datetimes are compared with ISO 8601 text values (`"2014-01-01"`).
 */
export const DslCondition = z
  .strictObject({
    column: Name.meta({ title: 'Column', description: 'The column the condition tests.' }),
    operator: DslFilterOperator.meta({ title: 'Operator', description: 'How the column is compared with the value.' }),
    value: z
      .union([Scalar, z.array(Scalar).max(1000)])
      .optional()
      .meta({
        title: 'Value',
        description: 'What the column is compared with (a list for "is one of", two values for "between").',
      }),
  })
  .superRefine((condition, ctx) => {
    const { operator, value } = condition;
    const nullary = operator === 'is_null' || operator === 'is_not_null';
    if (nullary) {
      if (value !== undefined)
        ctx.addIssue({ code: 'custom', path: ['value'], message: `"${operator}" takes no value` });
      return;
    }
    if (value === undefined) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: `"${operator}" needs a value` });
      return;
    }
    if (operator === 'in' || operator === 'not_in') {
      if (!Array.isArray(value) || value.length === 0)
        ctx.addIssue({ code: 'custom', path: ['value'], message: `"${operator}" needs a non-empty list of values` });
      return;
    }
    if (operator === 'between') {
      if (!Array.isArray(value) || value.length !== 2)
        ctx.addIssue({ code: 'custom', path: ['value'], message: '"between" needs two values: [low, high]' });
      return;
    }
    if (Array.isArray(value))
      ctx.addIssue({ code: 'custom', path: ['value'], message: `"${operator}" takes one value, not a list` });
    else if ((operator === 'contains' || operator === 'starts_with') && typeof value !== 'string')
      ctx.addIssue({ code: 'custom', path: ['value'], message: `"${operator}" needs a text value` });
  });
export type DslCondition = z.infer<typeof DslCondition>;

/** A group of conditions of which at least one must hold (OR); the step's conditions are ANDed. */
export const DslAnyGroup = z.strictObject({
  any: z
    .array(DslCondition)
    .min(1)
    .max(100)
    .meta({ title: 'Any of', description: 'At least one of these conditions holds.' }),
});
export type DslAnyGroup = z.infer<typeof DslAnyGroup>;

export const DSL_CONVERT_TYPES = ['numeric', 'integer', 'string', 'boolean', 'date', 'datetime'] as const;
export const DslConvertType = z.enum(DSL_CONVERT_TYPES);
export type DslConvertType = z.infer<typeof DslConvertType>;

export const DSL_FILL_METHODS = ['previous', 'next', 'mean', 'median'] as const;
export const DSL_JOIN_KINDS = ['inner', 'left', 'right', 'outer'] as const;
export const DSL_AGGREGATE_FUNCTIONS = [
  'count',
  'n_distinct',
  'sum',
  'mean',
  'median',
  'min',
  'max',
  'std',
  'first',
  'last',
] as const;
export const DslAggregateFunction = z.enum(DSL_AGGREGATE_FUNCTIONS);
export type DslAggregateFunction = z.infer<typeof DslAggregateFunction>;

/** What a form field edits, so the web app picks the right control (a dataset picker, a column picker of the step's dataset, ...). */
export type DslParameterKind =
  | 'dataset'
  | 'new_dataset'
  | 'column'
  | 'columns'
  | 'new_column'
  | 'column_mapping'
  | 'conditions'
  | 'value'
  | 'enum'
  | 'conversions'
  | 'expression'
  | 'measures'
  | 'sort_columns'
  | 'suffixes';

export interface DslParameterInfo {
  label: string;
  description: string;
  kind: DslParameterKind;
  required: boolean;
  /** For `enum`: the allowed values. */
  options?: readonly string[];
  /** For an optional `enum`: the value the contract applies when none is given (the form says which). */
  default?: string;
  /** For column parameters: which dataset parameter the columns belong to (`dataset`, `left`, `right`). */
  of?: string;
}

export interface DslOperationInfo {
  label: string;
  description: string;
  parameters: Record<string, DslParameterInfo>;
}

const p = (
  label: string,
  description: string,
  kind: DslParameterKind,
  extra: Partial<Omit<DslParameterInfo, 'label' | 'description' | 'kind'>> = {},
): DslParameterInfo => ({ label, description, kind, required: true, ...extra });

const DATASET = p('Dataset', 'The dataset this step works on; without a new name, the result replaces it.', 'dataset');
const OUTPUT_NAME = p(
  'New dataset name',
  'Keep the input as it is and give the result this name instead.',
  'new_dataset',
  { required: false },
);

export const DSL_OPERATION_NAMES = [
  'select_columns',
  'drop_columns',
  'rename_columns',
  'filter_rows',
  'drop_duplicates',
  'fill_missing',
  'convert_types',
  'add_calculated_column',
  'pivot',
  'unpivot',
  'merge_datasets',
  'aggregate',
  'sort_by',
  'save_dataset',
] as const;
export type DslOperationName = (typeof DSL_OPERATION_NAMES)[number];

/** Labels and descriptions of every operation and parameter, for the web form and the API guide. */
export const DSL_OPERATIONS: Record<DslOperationName, DslOperationInfo> = {
  select_columns: {
    label: 'Keep columns',
    description: 'Keep only the listed columns, in the listed order.',
    parameters: {
      dataset: DATASET,
      columns: p('Columns', 'The columns to keep, in order.', 'columns', { of: 'dataset' }),
      output_name: OUTPUT_NAME,
    },
  },
  drop_columns: {
    label: 'Drop columns',
    description: 'Remove the listed columns.',
    parameters: {
      dataset: DATASET,
      columns: p('Columns', 'The columns to remove.', 'columns', { of: 'dataset' }),
    },
  },
  rename_columns: {
    label: 'Rename columns',
    description: 'Give columns new names.',
    parameters: {
      dataset: DATASET,
      mapping: p('Renames', 'Each current column name and its new name.', 'column_mapping', { of: 'dataset' }),
    },
  },
  filter_rows: {
    label: 'Filter rows',
    description:
      'Keep the rows that meet every condition; an "any of" group holds when at least one of its conditions does.',
    parameters: {
      dataset: DATASET,
      conditions: p('Conditions', 'Conditions that must all hold (ANDed).', 'conditions', { of: 'dataset' }),
      output_name: OUTPUT_NAME,
    },
  },
  drop_duplicates: {
    label: 'Remove duplicate rows',
    description: 'Keep one row per combination of the listed columns (or of all columns).',
    parameters: {
      dataset: DATASET,
      columns: p('Columns', 'The columns that identify a duplicate; all columns when empty.', 'columns', {
        of: 'dataset',
        required: false,
      }),
      keep: p('Keep', "Which of the duplicates to keep, in the dataset's row order.", 'enum', {
        options: ['first', 'last'],
        required: false,
        default: 'first',
      }),
    },
  },
  fill_missing: {
    label: 'Fill missing values',
    description:
      "Replace missing values with a fixed value, the previous or next value in row order (within a group when given), or the column's mean or median.",
    parameters: {
      dataset: DATASET,
      columns: p('Columns', 'The columns whose missing values are filled.', 'columns', { of: 'dataset' }),
      value: p('Value', 'The value missing cells get (give this or a method).', 'value', { required: false }),
      method: p('Method', 'How to fill instead of a fixed value.', 'enum', {
        options: DSL_FILL_METHODS,
        required: false,
      }),
      group_by: p(
        'Within',
        'For previous/next/mean/median: fill within each group of these columns (e.g. USUBJID), never across.',
        'columns',
        { of: 'dataset', required: false },
      ),
    },
  },
  convert_types: {
    label: 'Convert types',
    description:
      'Change column types. Dates accept ISO 8601 text, including partial SDTM dates (2024-03 becomes 2024-03-01, 2024 becomes 2024-01-01), and SAS dates (days since 1960-01-01; seconds for datetimes). Values that cannot be converted become missing.',
    parameters: {
      dataset: DATASET,
      conversions: p('Conversions', 'Each column and the type it becomes.', 'conversions', {
        of: 'dataset',
        options: DSL_CONVERT_TYPES,
      }),
    },
  },
  add_calculated_column: {
    label: 'Add calculated column',
    description:
      'Add (or replace) a column computed by an expression, e.g. age_group(AGE, [18, 65]) or study_day(LBDTC, RFSTDTC).',
    parameters: {
      dataset: DATASET,
      column_name: p('Column name', 'The name of the new column.', 'new_column'),
      expression: p(
        'Expression',
        "The formula; it may use the dataset's columns and the listed functions.",
        'expression',
        {
          of: 'dataset',
        },
      ),
    },
  },
  pivot: {
    label: 'Pivot (long to wide)',
    description: 'One row per index value and one column per distinct value of a column, e.g. one column per LBTESTCD.',
    parameters: {
      dataset: DATASET,
      index: p('Row keys', 'The columns that identify a row of the result (e.g. USUBJID, VISIT).', 'columns', {
        of: 'dataset',
      }),
      columns: p('Column names from', 'The column whose values become column names (e.g. LBTESTCD).', 'column', {
        of: 'dataset',
      }),
      values: p('Values from', 'The column whose values fill the new columns (e.g. LBSTRESN).', 'column', {
        of: 'dataset',
      }),
      aggregate: p('Combine with', 'How several values for the same cell are combined.', 'enum', {
        options: DSL_AGGREGATE_FUNCTIONS,
        required: false,
        default: 'first',
      }),
    },
  },
  unpivot: {
    label: 'Unpivot (wide to long)',
    description: 'Turn columns into rows: one row per index row and listed column, the inverse of pivot.',
    parameters: {
      dataset: DATASET,
      index: p('Row keys', 'The columns kept on every row.', 'columns', { of: 'dataset' }),
      columns: p('Columns to unpivot', 'The columns that become rows.', 'columns', { of: 'dataset' }),
      names_to: p('Name column', 'The new column holding the former column names (e.g. LBTESTCD).', 'new_column'),
      values_to: p('Value column', 'The new column holding the values (e.g. LBSTRESN).', 'new_column'),
    },
  },
  merge_datasets: {
    label: 'Merge datasets',
    description: 'Join two datasets on key columns, like a SQL join.',
    parameters: {
      left: p('Left dataset', 'The first dataset.', 'dataset'),
      right: p('Right dataset', 'The dataset joined to it.', 'dataset'),
      on: p('Match on', 'Columns both datasets have whose values must be equal (e.g. STUDYID, USUBJID).', 'columns', {
        of: 'left',
      }),
      how: p('Keep', 'inner: matches only; left: every left row; right: every right row; outer: every row.', 'enum', {
        options: DSL_JOIN_KINDS,
        required: false,
        default: 'inner',
      }),
      suffixes: p(
        'Suffixes',
        'Added to the names of non-key columns both datasets have: left, right (default _x, _y).',
        'suffixes',
        { required: false },
      ),
      output_name: p('New dataset name', 'The name of the merged dataset.', 'new_dataset'),
    },
  },
  aggregate: {
    label: 'Aggregate',
    description: 'One row per group with summary measures (count, mean, ...).',
    parameters: {
      dataset: DATASET,
      group_by: p('Group by', 'The columns that define a group; one row for the whole dataset when empty.', 'columns', {
        of: 'dataset',
      }),
      measures: p('Measures', "Each measure: a column, a function and the result's name.", 'measures', {
        of: 'dataset',
        options: DSL_AGGREGATE_FUNCTIONS,
      }),
    },
  },
  sort_by: {
    label: 'Sort',
    description: 'Order the rows by columns; missing values last.',
    parameters: {
      dataset: DATASET,
      columns: p('Sort by', 'Columns in order of priority, each ascending or descending.', 'sort_columns', {
        of: 'dataset',
      }),
    },
  },
  save_dataset: {
    label: 'Save as output',
    description: 'Write the dataset as an output of the pipeline run.',
    parameters: {
      dataset: DATASET,
      output_name: p('Output name', 'The name of the output dataset (e.g. dm_clean).', 'new_dataset'),
    },
  },
};

const meta = (op: DslOperationName, name: string) => {
  const info = DSL_OPERATIONS[op].parameters[name];
  if (!info) throw new Error(`DSL_OPERATIONS.${op} has no parameter ${name}`);
  return { title: info.label, description: info.description };
};

const SelectColumns = z.strictObject({
  dataset: Name.meta(meta('select_columns', 'dataset')),
  columns: ColumnList.meta(meta('select_columns', 'columns')),
  output_name: DslNewName.optional().meta(meta('select_columns', 'output_name')),
});
const DropColumns = z.strictObject({
  dataset: Name.meta(meta('drop_columns', 'dataset')),
  columns: ColumnList.meta(meta('drop_columns', 'columns')),
});
const RenameColumns = z.strictObject({
  dataset: Name.meta(meta('rename_columns', 'dataset')),
  mapping: z
    .record(Name, DslNewName)
    .refine((mapping) => Object.keys(mapping).length > 0, 'give at least one column to rename')
    .meta(meta('rename_columns', 'mapping')),
});
const FilterRows = z.strictObject({
  dataset: Name.meta(meta('filter_rows', 'dataset')),
  conditions: z
    .array(z.union([DslCondition, DslAnyGroup]))
    .min(1)
    .max(100)
    .meta(meta('filter_rows', 'conditions')),
  output_name: DslNewName.optional().meta(meta('filter_rows', 'output_name')),
});
const DropDuplicates = z.strictObject({
  dataset: Name.meta(meta('drop_duplicates', 'dataset')),
  columns: z.array(Name).max(1000).optional().meta(meta('drop_duplicates', 'columns')),
  keep: z.enum(['first', 'last']).default('first').meta(meta('drop_duplicates', 'keep')),
});
const FillMissing = z
  .strictObject({
    dataset: Name.meta(meta('fill_missing', 'dataset')),
    columns: ColumnList.meta(meta('fill_missing', 'columns')),
    value: Scalar.optional().meta(meta('fill_missing', 'value')),
    method: z.enum(DSL_FILL_METHODS).optional().meta(meta('fill_missing', 'method')),
    group_by: z.array(Name).max(20).optional().meta(meta('fill_missing', 'group_by')),
  })
  .superRefine((params, ctx) => {
    if (params.value !== undefined && params.method !== undefined)
      ctx.addIssue({ code: 'custom', path: ['value'], message: 'give either a value or a method, not both' });
    if (params.value === undefined && params.method === undefined)
      ctx.addIssue({ code: 'custom', path: ['value'], message: 'give a value to fill with, or a method' });
    if (params.group_by?.length && params.value !== undefined)
      ctx.addIssue({ code: 'custom', path: ['group_by'], message: 'groups apply to a method, not to a fixed value' });
  });
const ConvertTypes = z.strictObject({
  dataset: Name.meta(meta('convert_types', 'dataset')),
  conversions: z
    .record(Name, DslConvertType)
    .refine((conversions) => Object.keys(conversions).length > 0, 'give at least one column to convert')
    .meta(meta('convert_types', 'conversions')),
});
const AddCalculatedColumn = z.strictObject({
  dataset: Name.meta(meta('add_calculated_column', 'dataset')),
  column_name: DslNewName.meta(meta('add_calculated_column', 'column_name')),
  expression: z.string().trim().min(1).max(4000).meta(meta('add_calculated_column', 'expression')),
});
const Pivot = z.strictObject({
  dataset: Name.meta(meta('pivot', 'dataset')),
  index: ColumnList.meta(meta('pivot', 'index')),
  columns: Name.meta(meta('pivot', 'columns')),
  values: Name.meta(meta('pivot', 'values')),
  aggregate: DslAggregateFunction.default('first').meta(meta('pivot', 'aggregate')),
});
const Unpivot = z.strictObject({
  dataset: Name.meta(meta('unpivot', 'dataset')),
  index: ColumnList.meta(meta('unpivot', 'index')),
  columns: ColumnList.meta(meta('unpivot', 'columns')),
  names_to: DslNewName.meta(meta('unpivot', 'names_to')),
  values_to: DslNewName.meta(meta('unpivot', 'values_to')),
});
const MergeDatasets = z.strictObject({
  left: Name.meta(meta('merge_datasets', 'left')),
  right: Name.meta(meta('merge_datasets', 'right')),
  on: ColumnList.max(20).meta(meta('merge_datasets', 'on')),
  how: z.enum(DSL_JOIN_KINDS).default('inner').meta(meta('merge_datasets', 'how')),
  suffixes: z
    .tuple([z.string().regex(/^[A-Za-z0-9_]{0,32}$/), z.string().regex(/^[A-Za-z0-9_]{0,32}$/)])
    .default(['_x', '_y'])
    .meta(meta('merge_datasets', 'suffixes')),
  output_name: DslNewName.meta(meta('merge_datasets', 'output_name')),
});
export const DslMeasure = z.strictObject({
  /** Optional for `count` only (then it counts rows). */
  column: Name.optional(),
  function: DslAggregateFunction,
  as: DslNewName,
});
export type DslMeasure = z.infer<typeof DslMeasure>;
const Aggregate = z.strictObject({
  dataset: Name.meta(meta('aggregate', 'dataset')),
  group_by: z.array(Name).max(50).meta(meta('aggregate', 'group_by')),
  measures: z
    .array(DslMeasure)
    .min(1)
    .max(200)
    .superRefine((measures, ctx) => {
      measures.forEach((measure, index) => {
        if (measure.column === undefined && measure.function !== 'count')
          ctx.addIssue({ code: 'custom', path: [index, 'column'], message: `"${measure.function}" needs a column` });
      });
    })
    .meta(meta('aggregate', 'measures')),
});
const SortBy = z.strictObject({
  dataset: Name.meta(meta('sort_by', 'dataset')),
  columns: z
    .array(z.strictObject({ column: Name, descending: z.boolean().default(false) }))
    .min(1)
    .max(50)
    .meta(meta('sort_by', 'columns')),
});
const SaveDataset = z.strictObject({
  dataset: Name.meta(meta('save_dataset', 'dataset')),
  output_name: DslNewName.meta(meta('save_dataset', 'output_name')),
});

const step = <O extends DslOperationName, P extends z.ZodType>(operation: O, parameters: P) =>
  z
    .strictObject({
      operation: z.literal(operation),
      parameters,
      description: z.string().max(1000).optional(),
    })
    .meta({ title: DSL_OPERATIONS[operation].label, description: DSL_OPERATIONS[operation].description });

export const DslStep = z.discriminatedUnion('operation', [
  step('select_columns', SelectColumns),
  step('drop_columns', DropColumns),
  step('rename_columns', RenameColumns),
  step('filter_rows', FilterRows),
  step('drop_duplicates', DropDuplicates),
  step('fill_missing', FillMissing),
  step('convert_types', ConvertTypes),
  step('add_calculated_column', AddCalculatedColumn),
  step('pivot', Pivot),
  step('unpivot', Unpivot),
  step('merge_datasets', MergeDatasets),
  step('aggregate', Aggregate),
  step('sort_by', SortBy),
  step('save_dataset', SaveDataset),
]);
/** A parsed step (defaults applied). */
export type DslStep = z.infer<typeof DslStep>;
/** A step as written (defaults optional). */
export type DslStepInput = z.input<typeof DslStep>;

export const DslBody = z.strictObject({
  steps: z.array(DslStep).min(1).max(200),
});
export type DslBody = z.infer<typeof DslBody>;
export type DslBodyInput = z.input<typeof DslBody>;

/** `['steps', 3, 'parameters', 'conditions', 1, 'column']` → `steps[3].parameters.conditions[1].column`. */
export function formatDslPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

/** Names of the expression language's functions, with a signature and description for the editor's help. */
export const DSL_EXPRESSION_FUNCTIONS: Record<string, { signature: string; description: string }> = {
  if: { signature: 'if(condition, then, else)', description: 'then when the condition holds, else otherwise.' },
  coalesce: { signature: 'coalesce(a, b, ...)', description: 'The first value that is not missing.' },
  upper: { signature: 'upper(text)', description: 'Upper case.' },
  lower: { signature: 'lower(text)', description: 'Lower case.' },
  trim: { signature: 'trim(text)', description: 'Without leading and trailing spaces.' },
  substr: { signature: 'substr(text, start, length?)', description: 'Part of a text; start counts from 1.' },
  concat: { signature: 'concat(a, b, ...)', description: 'Texts joined; missing values count as empty.' },
  length: { signature: 'length(text)', description: 'Number of characters.' },
  replace: { signature: 'replace(text, find, with)', description: 'Every occurrence of find replaced.' },
  round: { signature: 'round(x, digits?)', description: 'Rounded (half away from zero).' },
  floor: { signature: 'floor(x)', description: 'Rounded down.' },
  ceil: { signature: 'ceil(x)', description: 'Rounded up.' },
  abs: { signature: 'abs(x)', description: 'Absolute value.' },
  min: { signature: 'min(a, b, ...)', description: 'The smallest of the values on the row (missing ignored).' },
  max: { signature: 'max(a, b, ...)', description: 'The largest of the values on the row (missing ignored).' },
  date_diff: { signature: 'date_diff(start, end)', description: 'Days from start to end (end − start).' },
  add_days: { signature: 'add_days(date, days)', description: 'The date plus a number of days.' },
  year: { signature: 'year(date)', description: 'The year.' },
  month: { signature: 'month(date)', description: 'The month (1–12).' },
  parse_date: {
    signature: 'parse_date(value)',
    description: 'A date from ISO 8601 text (partial dates such as 2024-03 become the first day) or a SAS date number.',
  },
  age_years: { signature: 'age_years(birth, ref)', description: 'Whole years from birth to the reference date.' },
  bmi: { signature: 'bmi(weight_kg, height_cm)', description: 'Body-mass index: kg / m².' },
  study_day: {
    signature: 'study_day(date, ref)',
    description: 'SDTM study day: date − ref + 1 on or after the reference date, date − ref before it (no day 0).',
  },
  duration_days: {
    signature: 'duration_days(start, end)',
    description: 'Duration counting both ends: end − start + 1.',
  },
  age_group: {
    signature: 'age_group(age, [18, 65])',
    description: 'A label per band: <18, 18-64, >=65 for cut points 18 and 65.',
  },
};
