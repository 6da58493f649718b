import type { SuggestMappingResponse, WidgetDefinition } from '@cdp/contracts';

/**
 * A widget with the server's suggested dataset, population and mapping. `merge` keeps fields the
 * suggestion leaves out ("Suggest mapping" on a widget someone mapped by hand); `replace` starts over
 * (a new dataset, whose columns the old mapping does not name).
 */
export function applySuggestion(
  widget: WidgetDefinition,
  suggestion: SuggestMappingResponse,
  mode: 'merge' | 'replace',
): WidgetDefinition {
  const { population: _old, ...data } = widget.data;
  const population = suggestion.population ?? widget.data.population;
  return {
    ...widget,
    data: {
      ...data,
      dataset: suggestion.dataset ?? widget.data.dataset,
      ...(population ? { population } : {}),
      mapping: mode === 'replace' ? suggestion.mapping : { ...widget.data.mapping, ...suggestion.mapping },
    },
  };
}
