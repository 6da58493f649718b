import type { WidgetColumn } from '@cdp/contracts';

export type RuleStyle = 'danger' | 'warning' | 'success' | 'muted';

/** A table widget's conditional formatting (`options.rules`): the first rule that matches a cell styles it. */
export interface FormatRule {
  column: string;
  op: 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le' | 'contains';
  value: string | number | boolean | null;
  style: RuleStyle;
}

const OPS = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'contains']);
const STYLES = new Set(['danger', 'warning', 'success', 'muted']);

/** The well-formed rules of `options.rules`; anything else is ignored (options come from stored documents). */
export function rulesOf(options: Record<string, unknown>): FormatRule[] {
  const rules = options.rules;
  if (!Array.isArray(rules)) return [];
  return rules.filter((rule): rule is FormatRule => {
    const r = rule as Partial<FormatRule> | null;
    return typeof r?.column === 'string' && OPS.has(String(r.op)) && STYLES.has(String(r.style));
  });
}

function compare(cell: unknown, rule: FormatRule): boolean {
  if (rule.op === 'contains')
    return typeof cell === 'string' && cell.toLowerCase().includes(String(rule.value).toLowerCase());
  if (rule.op === 'eq') return cell === rule.value || (cell !== null && String(cell) === String(rule.value));
  if (rule.op === 'ne') return !(cell === rule.value || (cell !== null && String(cell) === String(rule.value)));
  const a = typeof cell === 'number' ? cell : Number(cell);
  const b = typeof rule.value === 'number' ? rule.value : Number(rule.value);
  if (cell === null || cell === '' || Number.isNaN(a) || Number.isNaN(b)) return false;
  if (rule.op === 'gt') return a > b;
  if (rule.op === 'ge') return a >= b;
  if (rule.op === 'lt') return a < b;
  return a <= b;
}

/** For each column, the rules that apply to it (a rule names a column by name or label). */
export function rulesByColumn(rules: readonly FormatRule[], columns: readonly WidgetColumn[]): FormatRule[][] {
  return columns.map((column) => rules.filter((r) => r.column === column.name || r.column === column.label));
}

export function cellStyle(cell: unknown, rules: readonly FormatRule[] | undefined): RuleStyle | undefined {
  return rules?.find((rule) => compare(cell, rule))?.style;
}

export const RULE_CLASSES: Record<RuleStyle, string> = {
  danger: 'bg-destructive-soft text-destructive-soft-foreground font-medium',
  warning: 'bg-warning-soft text-warning-soft-foreground font-medium',
  success: 'bg-success-soft text-success-soft-foreground',
  muted: 'text-subtle-foreground',
};
