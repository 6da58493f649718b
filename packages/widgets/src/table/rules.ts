import type { WidgetColumn } from '@cdp/contracts';
import { z } from 'zod';

/**
 * Conditional formatting of a table widget. The rules live in the widget's options, which every
 * renderer already has, so the data response stays the same for all widgets: the web app and the
 * exporters style cells with `cellStyle` (the first rule that matches a cell wins).
 */
export const RULE_OPS = ['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'contains'] as const;
export const RULE_STYLES = ['danger', 'warning', 'success', 'muted'] as const;
export type RuleStyle = (typeof RULE_STYLES)[number];

export const FormatRule = z.object({
  /** A column of the table, by name (`AESEV`, `ADSL.ARM`) or label (`ARM`). */
  column: z.string().min(1).max(129),
  op: z.enum(RULE_OPS),
  value: z.union([z.string().max(1000), z.number(), z.boolean(), z.null()]),
  style: z.enum(RULE_STYLES),
});
export type FormatRule = z.infer<typeof FormatRule>;

/** The colours of each style, as the web app's tokens have them, for exporters (PDF, XLSX). */
export const RULE_COLORS: Record<RuleStyle, { fill: string | null; text: string; bold: boolean }> = {
  danger: { fill: '#fef2f2', text: '#991b1b', bold: true },
  warning: { fill: '#fffbeb', text: '#b45309', bold: true },
  success: { fill: '#ecfdf5', text: '#047857', bold: false },
  muted: { fill: null, text: '#94a3b8', bold: false },
};

const same = (cell: unknown, value: FormatRule['value']) =>
  cell === value || (cell !== null && cell !== undefined && value !== null && String(cell) === String(value));

/**
 * Text compares as text (`contains` ignores case); the order operators compare numbers and never
 * match a missing or non-numeric cell, so "ALT > 3" does not flag an empty result.
 */
export function ruleMatches(cell: unknown, rule: FormatRule): boolean {
  if (rule.op === 'contains')
    return typeof cell === 'string' && cell.toLowerCase().includes(String(rule.value).toLowerCase());
  if (rule.op === 'eq') return same(cell, rule.value);
  if (rule.op === 'ne') return !same(cell, rule.value);
  if (cell === null || cell === undefined || cell === '' || rule.value === null || rule.value === '') return false;
  const a = Number(cell);
  const b = Number(rule.value);
  if (Number.isNaN(a) || Number.isNaN(b)) return false;
  if (rule.op === 'gt') return a > b;
  if (rule.op === 'ge') return a >= b;
  if (rule.op === 'lt') return a < b;
  return a <= b;
}

/** The style of one cell: the first rule on its column (by name or label) that matches. */
export function cellStyle(
  column: Pick<WidgetColumn, 'name' | 'label'>,
  cell: unknown,
  rules: readonly FormatRule[],
): RuleStyle | undefined {
  return rules.find((rule) => (rule.column === column.name || rule.column === column.label) && ruleMatches(cell, rule))
    ?.style;
}
