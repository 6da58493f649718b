export type { ColumnInfo, DatasetInfo, MappableWidget } from './dataset-info.ts';
export { type SuggestMappingInput, suggestMapping } from './suggest-mapping.ts';
export { parseColumnPath, validateMapping } from './validate-mapping.ts';
