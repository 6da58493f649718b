import type { DslCondition, DslScalar, DslStep } from '@cdp/contracts';
import { compileExpression } from './expression/compile.ts';
import { ExpressionError } from './expression/tokenize.ts';
import {
  type ColumnType,
  type DslColumn,
  isNumeric,
  isTemporal,
  numberLiteral,
  quoteIdent,
  quoteLiteral,
  TYPE_WORDS,
} from './types.ts';

/**
 * Turns one DSL step into one DuckDB `SELECT` over the relations (tables or views) that hold the
 * datasets so far, and says which columns it produces. The same plan serves the save-time check (the
 * relations are never read), the run (each step becomes a table) and the preview (each step a view).
 *
 * Every relation carries a hidden `__cdp_row` column: the dataset's row order. Steps that need order
 * (previous/next fill, first/last, keep first/last duplicate) order by it, steps that change order
 * (sort, merge, aggregate, pivot, unpivot) renumber it, and outputs and previews are read in it.
 */
export const ROW = '__cdp_row';
const Q_ROW = quoteIdent(ROW);

export interface Dataset {
  name: string;
  /** The SQL name of the relation holding it. */
  relation: string;
  columns: DslColumn[];
  /** 0-based index of the last step that changed it (for "after step 2" in messages). */
  changedAt?: number;
  /**
   * Columns are not all known before the run (the result of a pivot: one column per value): names
   * not in `columns` are accepted with this type at check time and checked for real when it runs.
   */
  open?: ColumnType;
}

export type Workspace = Map<string, Dataset>;

export interface Issue {
  path: string;
  message: string;
}

export interface StepPlan {
  /** `relation`: the result becomes dataset `target`; `save`: an output file named `target`. */
  kind: 'relation' | 'save';
  sql: string;
  target: string;
  columns: DslColumn[];
  open?: ColumnType;
  /** Datasets read (their names), for "rows in". */
  reads: string[];
  /**
   * Values that may be lost (a conversion that fails): `lost` is true for a value of `column` of
   * `relation` that the step loses; the run counts them and logs a warning per non-zero count.
   */
  warnings: { relation: string; column: string; lost: string; message: (count: number) => string }[];
  /**
   * Whether the run should store the result as a table: steps that sort, group or use windows are
   * worth keeping; the others (projections, filters, conversions, merges) stay views that DuckDB
   * fuses into the next step, so a chain of them costs one pass over the data, not one per step.
   */
  materialize: boolean;
  /** The step keeps every row of its (only) input: the run knows its row count without counting. */
  sameRows: boolean;
}

export class StepIssues extends Error {
  constructor(readonly issues: Issue[]) {
    super(issues.map((i) => `${i.path}: ${i.message}`).join('; '));
  }
}

export interface PlanContext {
  index: number;
  workspace: Workspace;
  /** The distinct values of a pivot's `columns` column, when known (at run time). */
  pivotValues?: string[];
  /** Names of outputs saved by earlier steps (lower case). */
  saved: Set<string>;
  /**
   * For a merge at run time: one more than the largest row number of each side, so that the merged
   * row order is a number (left row × right bound + right row) rather than a sort of the result.
   * Numbers, or SQL scalar expressions computing them (a run compiled to one statement).
   */
  mergeBounds?: { left: number | string; right: number | string };
}

/** Operations that keep every row of their input. */
const SAME_ROWS = new Set([
  'select_columns',
  'drop_columns',
  'rename_columns',
  'fill_missing',
  'convert_types',
  'add_calculated_column',
  'sort_by',
]);

/** Operations whose result a run stores as a table (see `StepPlan.materialize`). */
const MATERIALIZED = new Set(['drop_duplicates', 'pivot', 'aggregate', 'sort_by']);

export const MAX_PIVOT_COLUMNS = 2000;

/** Plans one step, or throws `StepIssues` naming every problem found in it. */
export function planStep(step: DslStep, ctx: PlanContext): StepPlan {
  const planner = new Planner(step, ctx);
  const plan = planner.plan();
  if (planner.issues.length > 0) throw new StepIssues(planner.issues);
  return plan;
}

/** `DM` or `DM (after step 2)`. */
export function describeDataset(dataset: Dataset): string {
  return dataset.changedAt === undefined ? dataset.name : `${dataset.name} (after step ${dataset.changedAt})`;
}

class Planner {
  readonly issues: Issue[] = [];
  private readonly base: string;
  constructor(
    private readonly step: DslStep,
    private readonly ctx: PlanContext,
  ) {
    this.base = `steps[${ctx.index}].parameters`;
  }

  private issue(path: string, message: string): void {
    this.issues.push({ path: path ? `${this.base}.${path}` : this.base, message });
  }

  private dataset(name: string, path: string): Dataset | undefined {
    const found = this.ctx.workspace.get(name.toLowerCase());
    if (!found) {
      const known = [...this.ctx.workspace.values()].map((d) => d.name);
      this.issue(path, `no dataset "${name}"${known.length ? ` (there are: ${known.join(', ')})` : ''}`);
    }
    return found;
  }

  private column(dataset: Dataset, name: string, path: string): DslColumn | undefined {
    const found = dataset.columns.find((c) => c.name.toLowerCase() === name.toLowerCase());
    if (found) return found;
    if (dataset.open) return { name, type: dataset.open };
    this.issue(path, `no column "${name}" in ${describeDataset(dataset)}`);
    return undefined;
  }

  private columnList(dataset: Dataset, names: string[], path: string): DslColumn[] {
    const seen = new Set<string>();
    const out: DslColumn[] = [];
    names.forEach((name, i) => {
      const column = this.column(dataset, name, `${path}[${i}]`);
      if (!column) return;
      const key = column.name.toLowerCase();
      if (seen.has(key)) this.issue(`${path}[${i}]`, `column "${name}" is listed twice`);
      seen.add(key);
      out.push(column);
    });
    return out;
  }

  /** The new name must not start with our reserved prefix. */
  private newName(name: string, path: string): void {
    if (name.toLowerCase().startsWith('__cdp')) this.issue(path, `names starting with "__cdp" are reserved`);
  }

  private relationPlan(
    target: string,
    sql: string,
    columns: DslColumn[],
    reads: string[],
    extra: Partial<StepPlan> = {},
  ): StepPlan {
    const materialize =
      MATERIALIZED.has(this.step.operation) ||
      (this.step.operation === 'fill_missing' && this.step.parameters.method !== undefined);
    const sameRows = SAME_ROWS.has(this.step.operation);
    return { kind: 'relation', sql, target, columns, reads, warnings: [], materialize, sameRows, ...extra };
  }

  plan(): StepPlan {
    const step = this.step;
    const empty = (target: string): StepPlan => this.relationPlan(target, '', [], []);
    switch (step.operation) {
      case 'select_columns': {
        const p = step.parameters;
        const ds = this.dataset(p.dataset, 'dataset');
        if (p.output_name) this.newName(p.output_name, 'output_name');
        if (!ds) return empty(p.output_name ?? p.dataset);
        const columns = this.columnList(ds, p.columns, 'columns');
        return this.relationPlan(p.output_name ?? ds.name, select(columns, ds.relation), columns, [ds.name]);
      }
      case 'drop_columns': {
        const p = step.parameters;
        const ds = this.dataset(p.dataset, 'dataset');
        if (!ds) return empty(p.dataset);
        const dropped = new Set(this.columnList(ds, p.columns, 'columns').map((c) => c.name.toLowerCase()));
        const columns = ds.columns.filter((c) => !dropped.has(c.name.toLowerCase()));
        if (columns.length === 0) this.issue('columns', `no column of ${describeDataset(ds)} would be left`);
        return this.relationPlan(ds.name, select(columns, ds.relation), columns, [ds.name], { open: ds.open });
      }
      case 'rename_columns': {
        const p = step.parameters;
        const ds = this.dataset(p.dataset, 'dataset');
        if (!ds) return empty(p.dataset);
        const renames = new Map<string, string>();
        for (const [from, to] of Object.entries(p.mapping)) {
          const column = this.column(ds, from, `mapping.${from}`);
          this.newName(to, `mapping.${from}`);
          if (column) renames.set(column.name.toLowerCase(), to);
        }
        const columns = ds.columns.map((c) => ({ ...c, name: renames.get(c.name.toLowerCase()) ?? c.name }));
        this.unique(columns, 'mapping');
        const parts = ds.columns.map(
          (c, i) => `${quoteIdent(c.name)} AS ${quoteIdent((columns[i] as DslColumn).name)}`,
        );
        return this.relationPlan(ds.name, `SELECT ${[...parts, Q_ROW].join(', ')} FROM ${ds.relation}`, columns, [
          ds.name,
        ]);
      }
      case 'filter_rows': {
        const p = step.parameters;
        const ds = this.dataset(p.dataset, 'dataset');
        if (p.output_name) this.newName(p.output_name, 'output_name');
        if (!ds) return empty(p.output_name ?? p.dataset);
        const where = p.conditions.map((condition, i) => {
          if ('any' in condition) {
            const parts = condition.any.map((c, j) => this.condition(ds, c, `conditions[${i}].any[${j}]`));
            return `(${parts.join(' OR ')})`;
          }
          return this.condition(ds, condition, `conditions[${i}]`);
        });
        const sql = `${select(ds.columns, ds.relation)} WHERE ${where.join(' AND ')}`;
        return this.relationPlan(p.output_name ?? ds.name, sql, ds.columns, [ds.name], { open: ds.open });
      }
      case 'drop_duplicates': {
        const p = step.parameters;
        const ds = this.dataset(p.dataset, 'dataset');
        if (!ds) return empty(p.dataset);
        const keys = p.columns?.length ? this.columnList(ds, p.columns, 'columns') : ds.columns;
        const order = `${Q_ROW}${p.keep === 'last' ? ' DESC' : ''}`;
        const sql = `${select(ds.columns, ds.relation)} QUALIFY row_number() OVER (PARTITION BY ${idents(keys)} ORDER BY ${order}) = 1`;
        return this.relationPlan(ds.name, sql, ds.columns, [ds.name]);
      }
      case 'fill_missing':
        return this.fillMissing(step.parameters);
      case 'convert_types':
        return this.convertTypes(step.parameters);
      case 'add_calculated_column': {
        const p = step.parameters;
        const ds = this.dataset(p.dataset, 'dataset');
        this.newName(p.column_name, 'column_name');
        if (!ds) return empty(p.dataset);
        let compiled: { sql: string; type: ColumnType | 'null' | 'list' };
        try {
          compiled = compileExpression(p.expression, ds.columns, describeDataset(ds), (c) => quoteIdent(c.name));
        } catch (error) {
          if (!(error instanceof ExpressionError)) throw error;
          this.issue('expression', error.message);
          return empty(ds.name);
        }
        const type: ColumnType = compiled.type === 'null' || compiled.type === 'list' ? 'string' : compiled.type;
        const sqlValue = compiled.type === 'null' ? 'CAST(NULL AS VARCHAR)' : compiled.sql;
        const key = p.column_name.toLowerCase();
        const replaced = ds.columns.some((c) => c.name.toLowerCase() === key);
        const columns = replaced
          ? ds.columns.map((c) => (c.name.toLowerCase() === key ? { name: c.name, type } : c))
          : [...ds.columns, { name: p.column_name, type }];
        const parts = columns.map((c) =>
          c.name.toLowerCase() === key ? `${sqlValue} AS ${quoteIdent(c.name)}` : quoteIdent(c.name),
        );
        return this.relationPlan(ds.name, `SELECT ${[...parts, Q_ROW].join(', ')} FROM ${ds.relation}`, columns, [
          ds.name,
        ]);
      }
      case 'pivot':
        return this.pivot(step.parameters);
      case 'unpivot':
        return this.unpivot(step.parameters);
      case 'merge_datasets':
        return this.merge(step.parameters);
      case 'aggregate':
        return this.aggregate(step.parameters);
      case 'sort_by': {
        const p = step.parameters;
        const ds = this.dataset(p.dataset, 'dataset');
        if (!ds) return empty(p.dataset);
        const keys = p.columns.map((key, i) => {
          const column = this.column(ds, key.column, `columns[${i}].column`);
          return column ? `${quoteIdent(column.name)}${key.descending ? ' DESC' : ''} NULLS LAST` : '';
        });
        const sql = `SELECT ${idents(ds.columns)}, row_number() OVER (ORDER BY ${[...keys, Q_ROW].join(', ')}) AS ${Q_ROW} FROM ${ds.relation}`;
        return this.relationPlan(ds.name, sql, ds.columns, [ds.name]);
      }
      case 'save_dataset': {
        const p = step.parameters;
        const ds = this.dataset(p.dataset, 'dataset');
        this.newName(p.output_name, 'output_name');
        if (this.ctx.saved.has(p.output_name.toLowerCase()))
          this.issue('output_name', `an earlier step already saves an output named "${p.output_name}"`);
        if (!ds) return { ...empty(p.output_name), kind: 'save' };
        const sql = `SELECT ${idents(ds.columns)} FROM ${ds.relation} ORDER BY ${Q_ROW}`;
        return {
          kind: 'save',
          sql,
          target: p.output_name,
          columns: ds.columns,
          open: ds.open,
          reads: [ds.name],
          warnings: [],
          materialize: false,
          sameRows: true,
        };
      }
    }
  }

  private unique(columns: DslColumn[], path: string): void {
    const seen = new Set<string>();
    for (const column of columns) {
      const key = column.name.toLowerCase();
      if (seen.has(key)) this.issue(path, `two columns would be named "${column.name}"`);
      seen.add(key);
    }
  }

  private condition(ds: Dataset, condition: DslCondition, path: string): string {
    const column = this.column(ds, condition.column, `${path}.column`);
    if (!column) return 'TRUE';
    const c = quoteIdent(column.name);
    const value = (v: DslScalar, at: string) => this.literal(column, v, `${path}.value${at}`);
    const list = () => (Array.isArray(condition.value) ? condition.value : []);
    const scalar = () =>
      Array.isArray(condition.value) || condition.value === undefined ? '' : value(condition.value, '');
    switch (condition.operator) {
      case 'equals':
        return `(${c} = ${scalar()})`;
      case 'not_equals':
        // A missing value is not the value: kept (as "not equals" reads), unlike SQL's <>.
        return `(${c} IS DISTINCT FROM ${scalar()})`;
      case 'greater_than':
        return `(${c} > ${scalar()})`;
      case 'greater_or_equal':
        return `(${c} >= ${scalar()})`;
      case 'less_than':
        return `(${c} < ${scalar()})`;
      case 'less_or_equal':
        return `(${c} <= ${scalar()})`;
      case 'in':
        return `(${c} IN (${list()
          .map((v, i) => value(v, `[${i}]`))
          .join(', ')}))`;
      case 'not_in':
        return `(${c} IS NULL OR ${c} NOT IN (${list()
          .map((v, i) => value(v, `[${i}]`))
          .join(', ')}))`;
      case 'between': {
        const [low, high] = list() as [DslScalar, DslScalar];
        return `(${c} BETWEEN ${value(low, '[0]')} AND ${value(high, '[1]')})`;
      }
      case 'contains':
      case 'starts_with': {
        if (column.type !== 'string') {
          this.issue(
            `${path}.operator`,
            `"${condition.operator}" works on text; ${column.name} is ${TYPE_WORDS[column.type]}`,
          );
          return 'TRUE';
        }
        const fn = condition.operator === 'contains' ? 'contains' : 'starts_with';
        return `${fn}(${c}, ${scalar()})`;
      }
      case 'is_null':
        return `(${c} IS NULL)`;
      case 'is_not_null':
        return `(${c} IS NOT NULL)`;
    }
  }

  /** A value compared with (or filled into) a column, as a SQL literal of the column's type. */
  private literal(column: DslColumn, value: DslScalar, path: string): string {
    const mismatch = () => {
      this.issue(
        path,
        `type mismatch: ${column.name} is ${TYPE_WORDS[column.type]}, the value ${JSON.stringify(value)} is not`,
      );
      return 'NULL';
    };
    switch (column.type) {
      case 'string':
        return typeof value === 'string' ? quoteLiteral(value) : mismatch();
      case 'number':
      case 'integer': {
        // Forms send numbers as text: "65" is 65.
        const n =
          typeof value === 'number'
            ? value
            : typeof value === 'string' && value.trim() !== ''
              ? Number(value)
              : Number.NaN;
        return Number.isFinite(n) ? numberLiteral(n) : mismatch();
      }
      case 'boolean':
        if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
        if (value === 'true' || value === 'false') return value.toUpperCase();
        return mismatch();
      case 'date':
      case 'datetime': {
        if (typeof value !== 'string') return mismatch();
        const full = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$/.test(value);
        if (!full || Number.isNaN(Date.parse(value.slice(0, 10)))) {
          this.issue(path, `"${value}" is not a date: write YYYY-MM-DD (or YYYY-MM-DDTHH:MM:SS)`);
          return 'NULL';
        }
        return column.type === 'date' && value.length === 10
          ? `DATE ${quoteLiteral(value)}`
          : `TIMESTAMP ${quoteLiteral(value.replace('T', ' '))}`;
      }
      case 'time':
        if (typeof value !== 'string' || !/^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value)) return mismatch();
        return `TIME ${quoteLiteral(value.length === 5 ? `${value}:00` : value)}`;
    }
  }

  private fillMissing(p: Extract<DslStep, { operation: 'fill_missing' }>['parameters']): StepPlan {
    const ds = this.dataset(p.dataset, 'dataset');
    if (!ds) return this.relationPlan(p.dataset, '', [], []);
    const targets = this.columnList(ds, p.columns, 'columns');
    const groups = p.group_by?.length ? this.columnList(ds, p.group_by, 'group_by') : [];
    const partition = groups.length ? `PARTITION BY ${idents(groups)} ` : '';
    const fills = new Map<string, { sql: string; type: ColumnType }>();
    targets.forEach((column, i) => {
      const c = quoteIdent(column.name);
      if (p.value !== undefined) {
        fills.set(column.name, { sql: `coalesce(${c}, ${this.literal(column, p.value, 'value')})`, type: column.type });
        return;
      }
      switch (p.method) {
        case 'previous':
          fills.set(column.name, {
            sql: `coalesce(${c}, last_value(${c} IGNORE NULLS) OVER (${partition}ORDER BY ${Q_ROW} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW))`,
            type: column.type,
          });
          return;
        case 'next':
          fills.set(column.name, {
            sql: `coalesce(${c}, first_value(${c} IGNORE NULLS) OVER (${partition}ORDER BY ${Q_ROW} ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING))`,
            type: column.type,
          });
          return;
        case 'mean':
        case 'median': {
          if (!isNumeric(column.type)) {
            this.issue(`columns[${i}]`, `"${p.method}" fills numbers; ${column.name} is ${TYPE_WORDS[column.type]}`);
            return;
          }
          const fn = p.method === 'mean' ? 'avg' : 'median';
          fills.set(column.name, {
            sql: `coalesce(CAST(${c} AS DOUBLE), ${fn}(${c}) OVER (${partition.trim()}))`,
            type: 'number',
          });
          return;
        }
      }
    });
    const columns = ds.columns.map((c) =>
      fills.has(c.name) ? { ...c, type: (fills.get(c.name) as { type: ColumnType }).type } : c,
    );
    const parts = ds.columns.map((c) => {
      const fill = fills.get(c.name);
      return fill ? `${fill.sql} AS ${quoteIdent(c.name)}` : quoteIdent(c.name);
    });
    return this.relationPlan(ds.name, `SELECT ${[...parts, Q_ROW].join(', ')} FROM ${ds.relation}`, columns, [ds.name]);
  }

  private convertTypes(p: Extract<DslStep, { operation: 'convert_types' }>['parameters']): StepPlan {
    const ds = this.dataset(p.dataset, 'dataset');
    if (!ds) return this.relationPlan(p.dataset, '', [], []);
    const conversions = new Map<string, { sql: string; type: ColumnType; lossy: boolean }>();
    for (const [name, target] of Object.entries(p.conversions)) {
      const column = this.column(ds, name, `conversions.${name}`);
      if (!column) continue;
      const converted = convertSql(quoteIdent(column.name), column.type, target);
      if (typeof converted === 'string') {
        this.issue(`conversions.${name}`, converted);
        continue;
      }
      conversions.set(column.name, converted);
    }
    const columns = ds.columns.map((c) => {
      const converted = conversions.get(c.name);
      return converted ? { name: c.name, type: converted.type, ...(c.label ? { label: c.label } : {}) } : c;
    });
    const parts = ds.columns.map((c) => {
      const converted = conversions.get(c.name);
      return converted ? `${converted.sql} AS ${quoteIdent(c.name)}` : quoteIdent(c.name);
    });
    const warnings = [...conversions.entries()]
      .filter(([, conversion]) => conversion.lossy)
      .map(([name, conversion]) => ({
        relation: ds.relation,
        column: name,
        lost: `${quoteIdent(name)} IS NOT NULL AND ${conversion.sql} IS NULL`,
        message: (count: number) =>
          `${name}: ${count.toLocaleString('en-US')} value${count === 1 ? '' : 's'} could not be read as ${conversion.type} and became missing`,
      }));
    return this.relationPlan(
      ds.name,
      `SELECT ${[...parts, Q_ROW].join(', ')} FROM ${ds.relation}`,
      columns,
      [ds.name],
      {
        warnings,
      },
    );
  }

  private pivot(p: Extract<DslStep, { operation: 'pivot' }>['parameters']): StepPlan {
    const ds = this.dataset(p.dataset, 'dataset');
    if (!ds) return this.relationPlan(p.dataset, '', [], []);
    const index = this.columnList(ds, p.index, 'index');
    const names = this.column(ds, p.columns, 'columns');
    const values = this.column(ds, p.values, 'values');
    if (!names || !values) return this.relationPlan(ds.name, '', index, [ds.name]);
    const measure = measureSql(p.aggregate, values);
    if (typeof measure === 'string') {
      this.issue('aggregate', measure);
      return this.relationPlan(ds.name, '', index, [ds.name]);
    }
    if (!this.ctx.pivotValues) {
      // Check time: the new columns are the data's values, known only when it runs.
      return this.relationPlan(ds.name, '', index, [ds.name], { open: measure.type });
    }
    if (this.ctx.pivotValues.length > MAX_PIVOT_COLUMNS)
      this.issue(
        'columns',
        `${names.name} has ${this.ctx.pivotValues.length} distinct values: a pivot makes at most ${MAX_PIVOT_COLUMNS} columns`,
      );
    const taken = new Set(index.map((c) => c.name.toLowerCase()));
    const created: DslColumn[] = [];
    const parts = this.ctx.pivotValues.map((value) => {
      if (taken.has(value.toLowerCase()))
        this.issue('columns', `the value "${value}" of ${names.name} would name a second column "${value}"`);
      taken.add(value.toLowerCase());
      created.push({ name: value, type: measure.type });
      return `${measure.sql(`CAST(${quoteIdent(names.name)} AS VARCHAR) = ${quoteLiteral(value)}`)} AS ${quoteIdent(value)}`;
    });
    const order = index.map((c) => `${quoteIdent(c.name)} NULLS LAST`).join(', ');
    const sql = `SELECT ${[...index.map((c) => quoteIdent(c.name)), ...parts].join(', ')}, row_number() OVER (ORDER BY ${order || '1'}) AS ${Q_ROW} FROM ${ds.relation}${index.length ? ` GROUP BY ${idents(index)}` : ''}`;
    return this.relationPlan(ds.name, sql, [...index, ...created], [ds.name]);
  }

  private unpivot(p: Extract<DslStep, { operation: 'unpivot' }>['parameters']): StepPlan {
    const ds = this.dataset(p.dataset, 'dataset');
    this.newName(p.names_to, 'names_to');
    this.newName(p.values_to, 'values_to');
    if (!ds) return this.relationPlan(p.dataset, '', [], []);
    const index = this.columnList(ds, p.index, 'index');
    const melted = this.columnList(ds, p.columns, 'columns');
    let type: ColumnType | undefined;
    melted.forEach((column, i) => {
      if (type === undefined) type = column.type;
      else if (isNumeric(type) && isNumeric(column.type)) type = 'number';
      else if (type !== column.type)
        this.issue(
          `columns[${i}]`,
          `${column.name} is ${TYPE_WORDS[column.type]} but ${melted[0]?.name} is ${TYPE_WORDS[melted[0]?.type ?? 'string']}: convert them to one type first`,
        );
    });
    const valueType = type ?? 'string';
    const columns: DslColumn[] = [
      ...index,
      { name: p.names_to, type: 'string' },
      { name: p.values_to, type: valueType },
    ];
    this.unique(columns, 'names_to');
    const k = melted.length;
    const sqlType = {
      string: 'VARCHAR',
      number: 'DOUBLE',
      integer: 'BIGINT',
      boolean: 'BOOLEAN',
      date: 'DATE',
      datetime: 'TIMESTAMP',
      time: 'TIME',
    }[valueType];
    const sql = `SELECT ${[
      ...index.map((c) => quoteIdent(c.name)),
      `unnest([${melted.map((c) => quoteLiteral(c.name)).join(', ')}]) AS ${quoteIdent(p.names_to)}`,
      `unnest([${melted.map((c) => `CAST(${quoteIdent(c.name)} AS ${sqlType})`).join(', ')}]) AS ${quoteIdent(p.values_to)}`,
      `unnest([${melted.map((_, i) => `${Q_ROW} * ${k} + ${i}`).join(', ')}]) AS ${Q_ROW}`,
    ].join(', ')} FROM ${ds.relation}`;
    return this.relationPlan(ds.name, sql, columns, [ds.name]);
  }

  private merge(p: Extract<DslStep, { operation: 'merge_datasets' }>['parameters']): StepPlan {
    const left = this.dataset(p.left, 'left');
    const right = this.dataset(p.right, 'right');
    this.newName(p.output_name, 'output_name');
    if (!left || !right) return this.relationPlan(p.output_name, '', [], []);
    const keys: { l: DslColumn; r: DslColumn }[] = [];
    p.on.forEach((name, i) => {
      const l = this.column(left, name, `on[${i}]`);
      const r = this.column(right, name, `on[${i}]`);
      if (!l || !r) return;
      const compatible =
        l.type === r.type || (isNumeric(l.type) && isNumeric(r.type)) || (isTemporal(l.type) && isTemporal(r.type));
      if (!compatible)
        this.issue(
          `on[${i}]`,
          `type mismatch: ${l.name} is ${TYPE_WORDS[l.type]} in ${describeDataset(left)} and ${TYPE_WORDS[r.type]} in ${describeDataset(right)}`,
        );
      keys.push({ l, r });
    });
    const keyNames = new Set(keys.map((k) => k.l.name.toLowerCase()));
    const leftNames = new Set(left.columns.map((c) => c.name.toLowerCase()));
    const rightNames = new Set(right.columns.map((c) => c.name.toLowerCase()));
    const [sl, sr] = p.suffixes;
    const columns: DslColumn[] = [];
    const parts: string[] = [];
    for (const key of keys) {
      const expr =
        p.how === 'right'
          ? `r.${quoteIdent(key.r.name)}`
          : p.how === 'outer'
            ? `coalesce(l.${quoteIdent(key.l.name)}, r.${quoteIdent(key.r.name)})`
            : `l.${quoteIdent(key.l.name)}`;
      const type = key.l.type === key.r.type ? key.l.type : isNumeric(key.l.type) ? 'number' : 'datetime';
      columns.push({ ...key.l, type });
      parts.push(`${expr} AS ${quoteIdent(key.l.name)}`);
    }
    for (const c of left.columns) {
      if (keyNames.has(c.name.toLowerCase())) continue;
      const name = rightNames.has(c.name.toLowerCase()) ? `${c.name}${sl}` : c.name;
      columns.push({ ...c, name });
      parts.push(`l.${quoteIdent(c.name)} AS ${quoteIdent(name)}`);
    }
    for (const c of right.columns) {
      if (keyNames.has(c.name.toLowerCase())) continue;
      const name = leftNames.has(c.name.toLowerCase()) ? `${c.name}${sr}` : c.name;
      columns.push({ ...c, name });
      parts.push(`r.${quoteIdent(c.name)} AS ${quoteIdent(name)}`);
    }
    this.unique(columns, 'suffixes');
    const join = { inner: 'INNER JOIN', left: 'LEFT JOIN', right: 'RIGHT JOIN', outer: 'FULL OUTER JOIN' }[p.how];
    const on = keys.map((k) => `l.${quoteIdent(k.l.name)} = r.${quoteIdent(k.r.name)}`).join(' AND ') || 'FALSE';
    // Rows in the left dataset's order, then the right's (as pandas' merge keeps them); rows of the
    // right only (right and outer joins) after every left row. A number, not a sort of the result.
    const bounds = this.ctx.mergeBounds ?? { left: 0, right: 0 };
    const rightBound = typeof bounds.right === 'number' ? String(bounds.right + 1) : `(${bounds.right} + 1)`;
    // Inner and left joins have a left row in every result row: the left bound is never used.
    const leftRow = p.how === 'inner' || p.how === 'left' ? `l.${Q_ROW}` : `coalesce(l.${Q_ROW}, ${bounds.left})`;
    const order = `CAST(${leftRow} AS HUGEINT) * ${rightBound} + coalesce(r.${Q_ROW} + 1, 0)`;
    const sql = `SELECT ${parts.join(', ')}, ${order} AS ${Q_ROW} FROM ${left.relation} l ${join} ${right.relation} r ON ${on}`;
    const open = left.open ?? right.open;
    return this.relationPlan(p.output_name, sql, columns, [left.name, right.name], open ? { open } : {});
  }

  private aggregate(p: Extract<DslStep, { operation: 'aggregate' }>['parameters']): StepPlan {
    const ds = this.dataset(p.dataset, 'dataset');
    if (!ds) return this.relationPlan(p.dataset, '', [], []);
    const groups = this.columnList(ds, p.group_by, 'group_by');
    const columns: DslColumn[] = [...groups];
    const parts = groups.map((c) => quoteIdent(c.name));
    p.measures.forEach((m, i) => {
      this.newName(m.as, `measures[${i}].as`);
      const column = m.column === undefined ? undefined : this.column(ds, m.column, `measures[${i}].column`);
      if (m.column !== undefined && !column) return;
      if (!column) {
        columns.push({ name: m.as, type: 'integer' });
        parts.push(`count(*) AS ${quoteIdent(m.as)}`);
        return;
      }
      const measure = measureSql(m.function, column);
      if (typeof measure === 'string') {
        this.issue(`measures[${i}].function`, measure);
        return;
      }
      columns.push({ name: m.as, type: measure.type });
      parts.push(`${measure.sql()} AS ${quoteIdent(m.as)}`);
    });
    this.unique(columns, 'measures');
    const order = groups.map((c) => `${quoteIdent(c.name)} NULLS LAST`).join(', ');
    const sql = groups.length
      ? `SELECT ${parts.join(', ')}, row_number() OVER (ORDER BY ${order}) AS ${Q_ROW} FROM ${ds.relation} GROUP BY ${idents(groups)}`
      : `SELECT ${parts.join(', ')}, 1 AS ${Q_ROW} FROM ${ds.relation}`;
    return this.relationPlan(ds.name, sql, columns, [ds.name]);
  }
}

function idents(columns: DslColumn[]): string {
  return columns.map((c) => quoteIdent(c.name)).join(', ');
}

function select(columns: DslColumn[], relation: string): string {
  return `SELECT ${[...columns.map((c) => quoteIdent(c.name)), Q_ROW].join(', ')} FROM ${relation}`;
}

/**
 * An aggregate of a column: its SQL (with an optional extra filter, for pivot cells) and type, or
 * the reason it does not apply. first/last follow the dataset's row order and skip missing values.
 */
function measureSql(fn: string, column: DslColumn): { sql: (filter?: string) => string; type: ColumnType } | string {
  const c = quoteIdent(column.name);
  const where = (filter: string | undefined, base?: string) => {
    const conditions = [base, filter].filter(Boolean);
    return conditions.length ? ` FILTER (WHERE ${conditions.join(' AND ')})` : '';
  };
  const numeric = isNumeric(column.type);
  const needsNumber = `"${fn}" needs numbers; ${column.name} is ${TYPE_WORDS[column.type]}`;
  switch (fn) {
    case 'count':
      return { sql: (f) => `count(${c})${where(f)}`, type: 'integer' };
    case 'n_distinct':
      return { sql: (f) => `count(DISTINCT ${c})${where(f)}`, type: 'integer' };
    case 'sum':
      return numeric
        ? { sql: (f) => `sum(${c})${where(f)}`, type: column.type === 'integer' ? 'integer' : 'number' }
        : needsNumber;
    case 'mean':
      return numeric ? { sql: (f) => `avg(${c})${where(f)}`, type: 'number' } : needsNumber;
    case 'median':
      return numeric ? { sql: (f) => `median(CAST(${c} AS DOUBLE))${where(f)}`, type: 'number' } : needsNumber;
    case 'std':
      return numeric ? { sql: (f) => `stddev_samp(${c})${where(f)}`, type: 'number' } : needsNumber;
    case 'min':
    case 'max':
      return { sql: (f) => `${fn}(${c})${where(f)}`, type: column.type };
    case 'first':
      return { sql: (f) => `arg_min(${c}, ${Q_ROW})${where(f, `${c} IS NOT NULL`)}`, type: column.type };
    case 'last':
      return { sql: (f) => `arg_max(${c}, ${Q_ROW})${where(f, `${c} IS NOT NULL`)}`, type: column.type };
  }
  return `unknown function "${fn}"`;
}

/**
 * SQL converting a column from one type to another, whether it can lose values (then the run counts
 * and logs them), or the reason it cannot be done.
 */
function convertSql(
  c: string,
  from: ColumnType,
  to: string,
): { sql: string; type: ColumnType; lossy: boolean } | string {
  const type: ColumnType = to === 'numeric' ? 'number' : (to as ColumnType);
  if (from === type) return { sql: c, type, lossy: false };
  const cannot = `cannot convert ${TYPE_WORDS[from]} to ${TYPE_WORDS[type]}`;
  switch (type) {
    case 'string':
      if (isNumeric(from)) return { sql: `cdp_number_text(${c})`, type, lossy: false };
      if (from === 'datetime') return { sql: `strftime(${c}, '%Y-%m-%dT%H:%M:%S')`, type, lossy: false };
      return { sql: `CAST(${c} AS VARCHAR)`, type, lossy: false };
    case 'number':
      if (from === 'string') return { sql: `TRY_CAST(trim(${c}) AS DOUBLE)`, type, lossy: true };
      if (from === 'integer') return { sql: `CAST(${c} AS DOUBLE)`, type, lossy: false };
      if (from === 'boolean') return { sql: `CAST(${c} AS DOUBLE)`, type, lossy: false };
      return cannot;
    case 'integer': {
      const number =
        from === 'string'
          ? `TRY_CAST(trim(${c}) AS DOUBLE)`
          : from === 'number'
            ? c
            : from === 'boolean'
              ? `CAST(${c} AS DOUBLE)`
              : '';
      if (!number) return cannot;
      // Only whole numbers: 2.5 is not an integer (it becomes missing, and the log says how many).
      return {
        sql: `(CASE WHEN ${number} = trunc(${number}) AND abs(${number}) < 9e15 THEN CAST(${number} AS BIGINT) END)`,
        type,
        lossy: from !== 'boolean',
      };
    }
    case 'boolean':
      if (from === 'string')
        return {
          sql: `(CASE WHEN lower(trim(${c})) IN ('true', 't', 'yes', 'y', '1') THEN TRUE WHEN lower(trim(${c})) IN ('false', 'f', 'no', 'n', '0') THEN FALSE END)`,
          type,
          lossy: true,
        };
      if (isNumeric(from)) return { sql: `(${c} <> 0)`, type, lossy: false };
      return cannot;
    case 'date':
      if (from === 'string') return { sql: `cdp_parse_date(${c})`, type, lossy: true };
      if (isNumeric(from)) return { sql: `cdp_sas_date(CAST(${c} AS DOUBLE))`, type, lossy: true };
      if (from === 'datetime') return { sql: `CAST(${c} AS DATE)`, type, lossy: false };
      return cannot;
    case 'datetime':
      if (from === 'string') return { sql: `cdp_parse_datetime(${c})`, type, lossy: true };
      if (isNumeric(from)) return { sql: `cdp_sas_datetime(CAST(${c} AS DOUBLE))`, type, lossy: true };
      if (from === 'date') return { sql: `CAST(${c} AS TIMESTAMP)`, type, lossy: false };
      return cannot;
  }
  return cannot;
}
