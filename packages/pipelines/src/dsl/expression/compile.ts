import {
  type ColumnType,
  type DslColumn,
  isNumeric,
  numberLiteral,
  quoteIdent,
  quoteLiteral,
  TYPE_WORDS,
} from '../types.ts';
import { type Expr, parseExpression } from './parse.ts';
import { ExpressionError } from './tokenize.ts';

export type ExprType = ColumnType | 'null' | 'list';

export interface CompiledExpression {
  sql: string;
  type: ExprType;
}

interface Scope {
  columns: Map<string, DslColumn>;
  /** `DM (after step 2)`, for "no column" messages. */
  where: string;
  /** How a column is written in SQL (a table alias, say). */
  ref: (column: DslColumn) => string;
}

/**
 * Parses, type-checks and compiles an expression of the DSL to DuckDB SQL against a dataset's
 * columns. Nothing of the source reaches the SQL but quoted column names, literals re-written by us,
 * and the functions below: there is no way to name a table, a file or a SQL function.
 */
export function compileExpression(
  source: string,
  columns: DslColumn[],
  where: string,
  ref: (column: DslColumn) => string = (column) => quoteIdent(column.name),
): CompiledExpression {
  const tree = parseExpression(source);
  const scope: Scope = { columns: new Map(columns.map((c) => [c.name.toLowerCase(), c])), where, ref };
  const out = compile(tree, scope);
  if (out.type === 'list') throw new ExpressionError(tree.pos, 'a list [..] is only an argument of age_group');
  return out;
}

function compile(node: Expr, scope: Scope): CompiledExpression {
  switch (node.kind) {
    case 'number':
      return { sql: numberLiteral(node.value), type: Number.isInteger(node.value) ? 'integer' : 'number' };
    case 'string':
      return { sql: quoteLiteral(node.value), type: 'string' };
    case 'boolean':
      return { sql: node.value ? 'TRUE' : 'FALSE', type: 'boolean' };
    case 'null':
      return { sql: 'NULL', type: 'null' };
    case 'column': {
      const column = scope.columns.get(node.name.toLowerCase());
      if (!column) throw new ExpressionError(node.pos, `no column "${node.name}" in ${scope.where}`);
      return { sql: scope.ref(column), type: column.type };
    }
    case 'list':
      return { sql: '', type: 'list' };
    case 'unary': {
      const operand = compile(node.operand, scope);
      if (node.op === 'not') {
        expect(operand, ['boolean'], node.operand.pos, '"not"');
        return { sql: `(NOT ${operand.sql})`, type: 'boolean' };
      }
      expect(operand, ['number', 'integer'], node.operand.pos, 'minus');
      return { sql: `(- ${operand.sql})`, type: operand.type === 'null' ? 'number' : operand.type };
    }
    case 'is_null': {
      const operand = compile(node.operand, scope);
      return { sql: `(${operand.sql} IS ${node.negate ? 'NOT ' : ''}NULL)`, type: 'boolean' };
    }
    case 'binary':
      return binary(node, scope);
    case 'case': {
      const whens = node.branches.map((branch) => {
        const when = compile(branch.when, scope);
        expect(when, ['boolean'], branch.when.pos, 'a "when" condition');
        return when.sql;
      });
      const results = node.branches.map((branch) => ({ node: branch.result, out: compile(branch.result, scope) }));
      const otherwise = node.otherwise ? { node: node.otherwise, out: compile(node.otherwise, scope) } : undefined;
      const type = unify(otherwise ? [...results, otherwise] : results, 'the branches of "case"');
      const parts = results.map((result, i) => `WHEN ${whens[i]} THEN ${castTo(result.out, type)}`);
      const tail = otherwise ? ` ELSE ${castTo(otherwise.out, type)}` : '';
      return { sql: `(CASE ${parts.join(' ')}${tail} END)`, type };
    }
    case 'call':
      return call(node, scope);
  }
}

function binary(node: Extract<Expr, { kind: 'binary' }>, scope: Scope): CompiledExpression {
  const left = compile(node.left, scope);
  const right = compile(node.right, scope);
  const op = node.op;
  if (op === 'and' || op === 'or') {
    expect(left, ['boolean'], node.left.pos, `"${op}"`);
    expect(right, ['boolean'], node.right.pos, `"${op}"`);
    return { sql: `(${left.sql} ${op.toUpperCase()} ${right.sql})`, type: 'boolean' };
  }
  if (['+', '-', '*', '/', '%'].includes(op)) {
    if (op === '+' && (left.type === 'string' || right.type === 'string'))
      throw new ExpressionError(node.pos, 'use concat(a, b) to join text; "+" adds numbers');
    if (left.type === 'date' || left.type === 'datetime' || right.type === 'date' || right.type === 'datetime')
      throw new ExpressionError(
        node.pos,
        `"${op}" does not work on dates: use add_days(date, n) or date_diff(start, end)`,
      );
    expect(left, ['number', 'integer'], node.left.pos, `"${op}"`);
    expect(right, ['number', 'integer'], node.right.pos, `"${op}"`);
    if (op === '/') return { sql: `(${left.sql} / NULLIF(${right.sql}, 0))`, type: 'number' };
    const type: ExprType = left.type !== 'number' && right.type !== 'number' ? 'integer' : 'number';
    if (op === '%') return { sql: `(${left.sql} % NULLIF(${right.sql}, 0))`, type };
    return { sql: `(${left.sql} ${op} ${right.sql})`, type };
  }
  // Comparisons. Text compared with a date is read as a date when it is a literal (`RFSTDT >= "2014-01-01"`).
  const [l, r] = comparable(left, node.left, right, node.right, node.pos);
  return { sql: `(${l} ${op} ${r})`, type: 'boolean' };
}

function comparable(
  left: CompiledExpression,
  leftNode: Expr,
  right: CompiledExpression,
  rightNode: Expr,
  pos: number,
): [string, string] {
  const temporal = (t: ExprType) => t === 'date' || t === 'datetime';
  if (temporal(left.type) && rightNode.kind === 'string') return [left.sql, dateLiteral(rightNode, left.type)];
  if (temporal(right.type) && leftNode.kind === 'string') return [dateLiteral(leftNode, right.type), right.sql];
  unify(
    [
      { node: leftNode, out: left },
      { node: rightNode, out: right },
    ],
    'a comparison',
    pos,
  );
  return [left.sql, right.sql];
}

function dateLiteral(node: Extract<Expr, { kind: 'string' }>, type: ExprType): string {
  const ok =
    /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$/.test(node.value) &&
    !Number.isNaN(Date.parse(node.value.slice(0, 10)));
  if (!ok) throw new ExpressionError(node.pos, `"${node.value}" is not a date (write YYYY-MM-DD)`);
  return type === 'date' && node.value.length === 10
    ? `DATE ${quoteLiteral(node.value)}`
    : `TIMESTAMP ${quoteLiteral(node.value.replace('T', ' '))}`;
}

/** The common type of several values (if/case branches, coalesce, min/max, both sides of a comparison). */
function unify(items: { node: Expr; out: CompiledExpression }[], what: string, pos?: number): ExprType {
  let type: ExprType = 'null';
  for (const { node, out } of items) {
    if (out.type === 'list') throw new ExpressionError(node.pos, 'a list [..] is only an argument of age_group');
    if (out.type === 'null' || out.type === type) continue;
    if (type === 'null') type = out.type;
    else if (isNumeric(type) && isNumeric(out.type)) type = 'number';
    else if ((type === 'date' && out.type === 'datetime') || (type === 'datetime' && out.type === 'date'))
      type = 'datetime';
    else
      throw new ExpressionError(
        pos ?? node.pos,
        `type mismatch in ${what}: ${TYPE_WORDS[type]} and ${TYPE_WORDS[out.type]}${hint(type, out.type)}`,
      );
  }
  return type;
}

function hint(a: ExprType, b: ExprType): string {
  const pair = new Set([a, b]);
  if (pair.has('string') && (pair.has('date') || pair.has('datetime')))
    return ' (read the text as a date with parse_date)';
  if (pair.has('string') && (pair.has('number') || pair.has('integer')))
    return ' (convert the column with convert_types first)';
  return '';
}

const SQL_TYPES: Record<ColumnType, string> = {
  string: 'VARCHAR',
  number: 'DOUBLE',
  integer: 'BIGINT',
  boolean: 'BOOLEAN',
  date: 'DATE',
  datetime: 'TIMESTAMP',
  time: 'TIME',
};

function castTo(out: CompiledExpression, type: ExprType): string {
  if (type === 'null' || type === 'list' || out.type === type) return out.sql;
  return `CAST(${out.sql} AS ${SQL_TYPES[type]})`;
}

function expect(out: CompiledExpression, types: ExprType[], pos: number, what: string): void {
  if (out.type === 'null' || types.includes(out.type)) return;
  const wanted = [...new Set(types.map((t) => TYPE_WORDS[t]))].join(' or ');
  throw new ExpressionError(
    pos,
    `type mismatch: ${what} needs ${wanted}, not ${TYPE_WORDS[out.type]}${hint(types[0] ?? 'null', out.type)}`,
  );
}

/** A date argument: a date, a datetime (its date), or text holding a complete ISO date. */
function asDate(out: CompiledExpression, pos: number, fn: string): string {
  if (out.type === 'date') return out.sql;
  if (out.type === 'datetime') return `CAST(${out.sql} AS DATE)`;
  if (out.type === 'string') return `cdp_text_date(${out.sql})`;
  if (out.type === 'null') return 'CAST(NULL AS DATE)';
  throw new ExpressionError(
    pos,
    `type mismatch: ${fn} needs a date (or ISO 8601 text), not ${TYPE_WORDS[out.type]}${isNumeric(out.type) ? ' (for SAS dates use parse_date(x))' : ''}`,
  );
}

function numberText(sql: string): string {
  return `cdp_number_text(${sql})`;
}

function asText(out: CompiledExpression): string {
  if (out.type === 'string') return out.sql;
  if (isNumeric(out.type)) return numberText(out.sql);
  if (out.type === 'datetime') return `strftime(${out.sql}, '%Y-%m-%dT%H:%M:%S')`;
  return `CAST(${out.sql} AS VARCHAR)`;
}

type Arity = [min: number, max: number];
const ARITY: Record<string, Arity> = {
  if: [3, 3],
  coalesce: [1, 50],
  upper: [1, 1],
  lower: [1, 1],
  trim: [1, 1],
  substr: [2, 3],
  concat: [1, 50],
  length: [1, 1],
  replace: [3, 3],
  round: [1, 2],
  floor: [1, 1],
  ceil: [1, 1],
  abs: [1, 1],
  min: [2, 50],
  max: [2, 50],
  date_diff: [2, 2],
  add_days: [2, 2],
  year: [1, 1],
  month: [1, 1],
  parse_date: [1, 1],
  age_years: [2, 2],
  bmi: [2, 2],
  study_day: [2, 2],
  duration_days: [2, 2],
  age_group: [2, 2],
};

/** The expression language's function names. */
export const EXPRESSION_FUNCTIONS = Object.keys(ARITY);

function call(node: Extract<Expr, { kind: 'call' }>, scope: Scope): CompiledExpression {
  const arity = ARITY[node.name];
  if (!arity)
    throw new ExpressionError(
      node.pos,
      `unknown function "${node.name}"; the functions are ${EXPRESSION_FUNCTIONS.join(', ')}`,
    );
  const [min, max] = arity;
  if (node.args.length < min || node.args.length > max) {
    const count = min === max ? `${min}` : max >= 50 ? `at least ${min}` : `${min} to ${max}`;
    throw new ExpressionError(
      node.pos,
      `${node.name} takes ${count} argument${min === 1 && max === 1 ? '' : 's'}, not ${node.args.length}`,
    );
  }
  if (node.name === 'age_group') return ageGroup(node, scope);
  const args = node.args.map((arg) => compile(arg, scope));
  const a = (i: number) => args[i] as CompiledExpression;
  const pos = (i: number) => (node.args[i] as Expr).pos;
  const text = (i: number) => {
    expect(a(i), ['string'], pos(i), `${node.name}`);
    return a(i).sql;
  };
  const num = (i: number) => {
    expect(a(i), ['number', 'integer'], pos(i), `${node.name}`);
    return a(i).sql;
  };
  const date = (i: number) => asDate(a(i), pos(i), node.name);
  const listed = () => node.args.map((arg, i) => ({ node: arg, out: a(i) }));
  switch (node.name) {
    case 'if': {
      expect(a(0), ['boolean'], pos(0), 'the condition of if');
      const type = unify(listed().slice(1), 'the two results of if');
      return { sql: `(CASE WHEN ${a(0).sql} THEN ${castTo(a(1), type)} ELSE ${castTo(a(2), type)} END)`, type };
    }
    case 'coalesce': {
      const type = unify(listed(), 'coalesce');
      return { sql: `coalesce(${args.map((arg) => castTo(arg, type)).join(', ')})`, type };
    }
    case 'upper':
    case 'lower':
    case 'trim':
      return { sql: `${node.name}(${text(0)})`, type: 'string' };
    case 'substr':
      return {
        sql: `substring(${text(0)}, CAST(${num(1)} AS BIGINT)${args.length > 2 ? `, CAST(${num(2)} AS BIGINT)` : ''})`,
        type: 'string',
      };
    case 'concat':
      return { sql: `concat(${args.map(asText).join(', ')})`, type: 'string' };
    case 'length':
      return { sql: `length(${text(0)})`, type: 'integer' };
    case 'replace':
      return { sql: `replace(${text(0)}, ${text(1)}, ${text(2)})`, type: 'string' };
    case 'round':
      return { sql: `round(${num(0)}${args.length > 1 ? `, CAST(${num(1)} AS INTEGER)` : ''})`, type: 'number' };
    case 'floor':
    case 'ceil':
      return { sql: `${node.name}(${num(0)})`, type: a(0).type === 'integer' ? 'integer' : 'number' };
    case 'abs':
      return { sql: `abs(${num(0)})`, type: a(0).type === 'integer' ? 'integer' : 'number' };
    case 'min':
    case 'max': {
      const type = unify(listed(), node.name);
      const fn = node.name === 'min' ? 'least' : 'greatest';
      return { sql: `${fn}(${args.map((arg) => castTo(arg, type)).join(', ')})`, type };
    }
    case 'date_diff':
      return { sql: `date_diff('day', ${date(0)}, ${date(1)})`, type: 'integer' };
    case 'duration_days':
      return { sql: `(date_diff('day', ${date(0)}, ${date(1)}) + 1)`, type: 'integer' };
    case 'add_days':
      return { sql: `(${date(0)} + CAST(${num(1)} AS INTEGER))`, type: 'date' };
    case 'year':
    case 'month':
      return { sql: `${node.name}(${date(0)})`, type: 'integer' };
    case 'parse_date': {
      const arg = a(0);
      if (arg.type === 'string') return { sql: `cdp_parse_date(${arg.sql})`, type: 'date' };
      if (isNumeric(arg.type)) return { sql: `cdp_sas_date(CAST(${arg.sql} AS DOUBLE))`, type: 'date' };
      return { sql: date(0), type: 'date' };
    }
    case 'age_years': {
      const birth = date(0);
      const ref = date(1);
      // Whole years: the birthday has been reached when (month, day) of ref >= that of birth.
      return {
        sql: `(year(${ref}) - year(${birth}) - CASE WHEN month(${ref}) * 100 + day(${ref}) < month(${birth}) * 100 + day(${birth}) THEN 1 ELSE 0 END)`,
        type: 'integer',
      };
    }
    case 'bmi': {
      const height = `(${num(1)} / 100.0)`;
      return { sql: `(${num(0)} / NULLIF(${height} * ${height}, 0))`, type: 'number' };
    }
    case 'study_day': {
      // SDTM: day 1 is the reference date, the day before it is -1; there is no day 0.
      const diff = `date_diff('day', ${date(1)}, ${date(0)})`;
      return { sql: `(CASE WHEN ${diff} >= 0 THEN ${diff} + 1 ELSE ${diff} END)`, type: 'integer' };
    }
  }
  throw new ExpressionError(node.pos, `unknown function "${node.name}"`);
}

function ageGroup(node: Extract<Expr, { kind: 'call' }>, scope: Scope): CompiledExpression {
  const [ageNode, cutsNode] = node.args as [Expr, Expr];
  const age = compile(ageNode, scope);
  expect(age, ['number', 'integer'], ageNode.pos, 'age_group');
  if (cutsNode.kind !== 'list' || cutsNode.items.length === 0)
    throw new ExpressionError(cutsNode.pos, 'age_group needs its cut points as a list of numbers, e.g. [18, 65]');
  const cuts = cutsNode.items.map((item) => {
    const value =
      item.kind === 'unary' && item.op === '-' && item.operand.kind === 'number'
        ? -item.operand.value
        : item.kind === 'number'
          ? item.value
          : undefined;
    if (value === undefined) throw new ExpressionError(item.pos, 'a cut point of age_group is a number');
    return { value, pos: item.pos };
  });
  cuts.forEach((cut, i) => {
    if (i > 0 && cut.value <= (cuts[i - 1] as { value: number }).value)
      throw new ExpressionError(cut.pos, 'the cut points of age_group go up: [18, 65]');
  });
  const label = (lo: number, hi: number) =>
    Number.isInteger(lo) && Number.isInteger(hi) ? `${lo}-${hi - 1}` : `${lo}-<${hi}`;
  const whens = cuts.map((cut, i) => {
    const text = i === 0 ? `<${cut.value}` : label((cuts[i - 1] as { value: number }).value, cut.value);
    return `WHEN ${age.sql} < ${numberLiteral(cut.value)} THEN ${quoteLiteral(text)}`;
  });
  const last = cuts[cuts.length - 1] as { value: number };
  return {
    sql: `(CASE WHEN ${age.sql} IS NULL THEN NULL ${whens.join(' ')} ELSE ${quoteLiteral(`>=${last.value}`)} END)`,
    type: 'string',
  };
}
