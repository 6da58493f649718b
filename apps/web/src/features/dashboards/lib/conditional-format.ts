import type { WidgetColumn } from '@cdp/contracts';
import { FormatRule, type RuleStyle, ruleMatches } from '@cdp/widgets/rules';

export type { FormatRule, RuleStyle };

/** The well-formed rules of a table widget's `options.rules`; anything else is ignored (options come from stored documents). */
export function rulesOf(options: Record<string, unknown>): FormatRule[] {
  const rules = options.rules;
  if (!Array.isArray(rules)) return [];
  return rules.flatMap((rule) => {
    const parsed = FormatRule.safeParse(rule);
    return parsed.success ? [parsed.data] : [];
  });
}

/** For each column, the rules that apply to it (a rule names a column by name or label). */
export function rulesByColumn(rules: readonly FormatRule[], columns: readonly WidgetColumn[]): FormatRule[][] {
  return columns.map((column) => rules.filter((r) => r.column === column.name || r.column === column.label));
}

/** The first of a column's rules that matches the cell (the same matching the exporters use). */
export function cellStyle(cell: unknown, rules: readonly FormatRule[] | undefined): RuleStyle | undefined {
  return rules?.find((rule) => ruleMatches(cell, rule))?.style;
}

export const RULE_CLASSES: Record<RuleStyle, string> = {
  danger: 'bg-destructive-soft text-destructive-soft-foreground font-medium',
  warning: 'bg-warning-soft text-warning-soft-foreground font-medium',
  success: 'bg-success-soft text-success-soft-foreground',
  muted: 'text-subtle-foreground',
};
