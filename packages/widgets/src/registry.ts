import type { WidgetTypeInfo } from '@cdp/contracts';
import { z } from 'zod';
import { clinicalWidgets } from './clinical.ts';
import { genericWidgets } from './generic.ts';
import type { WidgetType } from './types.ts';

const ALL: WidgetType[] = [...clinicalWidgets, ...genericWidgets] as WidgetType[];
const BY_TYPE = new Map(ALL.map((type) => [type.type, type]));

/** Every widget type, clinical first. */
export function widgetTypes(): readonly WidgetType[] {
  return ALL;
}

export function widgetType(type: string): WidgetType | undefined {
  return BY_TYPE.get(type);
}

/** What the builder needs to know about a type (options as JSON Schema for the properties form). */
export function widgetTypeInfo(type: WidgetType): WidgetTypeInfo {
  return {
    type: type.type,
    name: type.name,
    description: type.description,
    category: type.category,
    fields: type.fields,
    datasets: type.datasets,
    needsPopulation: type.needsPopulation,
    optionsVersion: type.optionsVersion,
    optionsSchema: z.toJSONSchema(type.options, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>,
    defaultOptions: type.defaultOptions,
    defaultSize: type.defaultSize,
  };
}
