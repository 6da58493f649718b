import type { WidgetDefinition } from '@cdp/contracts';
import { widgetType } from './registry.ts';

/** The reader's choices on one widget (`?options=`), or why they cannot apply (a 400 naming the option). */
export type ReaderOptionsResult = { widget: WidgetDefinition } | { problem: string };

/**
 * A widget with the choices its reader made on it laid over its saved options (the AE explorer's
 * seriousness, severity, relatedness, outcome). Only the options its type lists in `readerOptions`
 * may change, and the result must still be valid options of the type: a reader can narrow what a
 * widget shows, never redefine it. No choices: the widget itself.
 */
export function withReaderOptions(widget: WidgetDefinition, choices: Record<string, unknown>): ReaderOptionsResult {
  const names = Object.keys(choices);
  if (names.length === 0) return { widget };
  const type = widgetType(widget.type);
  const allowed: readonly string[] = type?.readerOptions ?? [];
  const refused = names.filter((name) => !allowed.includes(name));
  if (refused.length > 0 || !type)
    return {
      problem:
        allowed.length === 0
          ? `options: a ${widget.type} widget has no options a reader may change (got ${refused.join(', ')})`
          : `options: a ${widget.type} widget lets a reader change ${allowed.join(', ')}, not ${refused.join(', ')}`,
    };
  const options = { ...(widget.options as Record<string, unknown> | undefined), ...choices };
  const parsed = type.options.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { problem: `options.${issue?.path.join('.') || '?'}: ${issue?.message ?? 'invalid'}` };
  }
  return { widget: { ...widget, options } };
}

/**
 * The reader's choices in one canonical form (keys sorted, lists of text sorted by their upper-cased
 * trimmed value): the same choice in another order is one kept answer, and two different choices
 * never share one.
 */
export function readerOptionsKey(choices: Record<string, unknown>): Record<string, unknown> {
  const key = (value: unknown) => (typeof value === 'string' ? value.trim().toUpperCase() : JSON.stringify(value));
  return Object.fromEntries(
    Object.keys(choices)
      .sort()
      .map((name) => {
        const value = choices[name];
        return [name, Array.isArray(value) ? [...value].map(key).sort() : value];
      }),
  );
}
