import type { DashboardDocument, FieldKey, WidgetDefinition, WidgetTypeInfo } from '@cdp/contracts';

/** A widget of `type` with its default options; its data is filled by the mapping suggestion that follows. */
export function newWidget(type: WidgetTypeInfo, dataset: string): WidgetDefinition {
  return {
    type: type.type,
    title: type.name,
    optionsVersion: type.optionsVersion,
    options: structuredClone(type.defaultOptions),
    data: { dataset, mapping: {}, filters: [] },
  };
}

function mostUsed(values: (string | undefined)[]): string | undefined {
  const counts = new Map<string, number>();
  for (const value of values) if (value) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
}

/**
 * Which dataset and population a new widget should read, judging by what the page already reads
 * (then the rest of the dashboard): a page built on ADaM (ADSL, ADAE) keeps getting ADaM widgets, one
 * built on SDTM (DM, AE) SDTM ones. Undefined leaves the choice to the server's suggestion.
 */
export function dataPreference(
  doc: DashboardDocument,
  pageId: string,
  type: WidgetTypeInfo,
): { dataset?: string; population?: string } {
  const page = doc.pages.find((p) => p.id === pageId);
  const onPage = Object.values(page?.widgets ?? {});
  const elsewhere = doc.pages.filter((p) => p.id !== pageId).flatMap((p) => Object.values(p.widgets));
  for (const widgets of [onPage, elsewhere]) {
    const used = new Set(widgets.flatMap((w) => [w.data.dataset, w.data.population ?? '']).map((d) => d.toUpperCase()));
    const dataset = type.datasets.find((d) => used.has(d.toUpperCase()));
    const population = mostUsed(widgets.map((w) => w.data.population));
    if (dataset || population) return { dataset, population };
  }
  return {};
}

/** The dashboard's filter fields, so a new widget is mapped for them and the filters apply to it. */
export function filterFields(doc: DashboardDocument, type: WidgetTypeInfo): FieldKey[] {
  const own = new Set(type.fields.map((f) => f.key));
  return [...new Set(doc.filters.map((f) => f.field))].filter((f) => !own.has(f)).slice(0, 30);
}
