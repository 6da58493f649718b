import { useQuery } from '@tanstack/react-query';
import { useCallback, useMemo } from 'react';
import { widgetTypesQuery } from '../api/dashboards-api.ts';

function humanise(field: string): string {
  const words = field.replaceAll('_', ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A field's label ("arm" → "Treatment arm") from the widget catalogue, humanised until it loads. */
export function useFieldLabels(): (field: string) => string {
  const { data } = useQuery(widgetTypesQuery);
  const labels = useMemo(() => {
    const map = new Map<string, string>();
    for (const type of data?.data ?? []) for (const field of type.fields) map.set(field.key, field.label);
    return map;
  }, [data]);
  return useCallback((field: string) => labels.get(field) ?? humanise(field), [labels]);
}
