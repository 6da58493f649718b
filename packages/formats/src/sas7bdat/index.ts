export { readSasCatalog, type SasCatalog } from './read-sas7bcat.ts';
export { readSas7bdat, type Sas7bdatReadOptions } from './read-sas7bdat.ts';
export { applyValueLabels, VALUE_LABELS_METADATA_KEY } from './value-labels.ts';
