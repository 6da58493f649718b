import type { MappingSuggestion, SuggestMappingResponse, WidgetFieldSpec } from '@cdp/contracts';
import { CDISC_VARIABLE_FIELDS, CDISC_VARIABLES, type CdiscVariable, POPULATION_DATASETS } from './cdisc-variables.ts';
import {
  type ColumnInfo,
  type DatasetInfo,
  findColumn,
  findDataset,
  fitsType,
  type MappableWidget,
} from './dataset-info.ts';
import { fieldSpec } from './field-spec.ts';
import { FIELD_VOCABULARY, tokens, type Vocabulary } from './field-vocabulary.ts';
import { jaroWinkler } from './similarity.ts';
import { validateMapping } from './validate-mapping.ts';

export interface SuggestMappingInput {
  widget: MappableWidget;
  datasets: readonly DatasetInfo[];
  /** The dataset the widget reads; chosen from the type's preferences when absent. */
  dataset?: string;
  population?: string;
  /** Fields wanted beyond the type's contract (the dashboard's filter fields). */
  extraFields?: readonly string[];
}

/** A name or label match is mapped from this confidence on; below it, it is only offered. */
const AUTO_MAP = 0.6;
const OFFERED = 0.5;
/** Name and label matches stay below CDISC knowledge, which alone gets 0.9–1. */
const FUZZY_CEILING = 0.85;
const CANDIDATES_PER_FIELD = 5;
/** Jaro-Winkler from which a name counts as the same: USUBJ_ID is USUBJID (0.98), ARM is not ARMCD (0.91). */
const NAME_SIMILAR = 0.92;

interface Candidate extends MappingSuggestion {
  kind: 'cdisc' | 'fuzzy';
}

interface Scope {
  datasets: readonly DatasetInfo[];
  dataset: DatasetInfo | undefined;
  population: DatasetInfo | undefined;
}

/**
 * Where a field is looked for: a subject attribute in the population first, then the dataset; an
 * event field (the treatment at the event, say) in the widget's dataset only.
 */
function homes(spec: WidgetFieldSpec, scope: Scope): DatasetInfo[] {
  const order = spec.source === 'population' ? [scope.population, scope.dataset] : [scope.dataset];
  return order.filter((d, i): d is DatasetInfo => d !== undefined && order.findIndex((o) => o?.name === d.name) === i);
}

const isAdam = (name: string) => name.toUpperCase().startsWith('AD');

/** The standard datasets a variable is also looked for in, those of the widget's own standard (SDTM, ADaM) first. */
function standardPlaces(variable: CdiscVariable, scope: Scope): DatasetInfo[] {
  const adam = scope.dataset ? isAdam(scope.dataset.name) : false;
  return (variable.alsoIn ?? [])
    .flatMap((name) => findDataset(scope.datasets, name) ?? [])
    .sort((a, b) => Number(isAdam(a.name) !== adam) - Number(isAdam(b.name) !== adam));
}

/**
 * The mapping path of a column: bare when the widget's dataset has it (ADAE repeats ADSL's AGE, so
 * no join is needed), else `DATASET.COLUMN`, joined or semi-joined on the subject.
 */
function pathOf(spec: WidgetFieldSpec, data: DatasetInfo, column: ColumnInfo, scope: Scope): string {
  if (data.name === scope.dataset?.name) return column.name;
  const copy = findColumn(scope.dataset, column.name);
  if (copy && fitsType(spec.types, copy)) return copy.name;
  return `${data.name}.${column.name}`;
}

function cdiscCandidates(spec: WidgetFieldSpec, scope: Scope): Candidate[] {
  const found: Candidate[] = [];
  const variables = CDISC_VARIABLES[spec.key] ?? [];
  // On an ADaM dataset its analysis variables (AVISITN) come before the SDTM ones it carries (VISITNUM).
  const adam = scope.dataset ? isAdam(scope.dataset.name) : false;
  const ordered = adam ? [...variables.filter((x) => x.adam), ...variables.filter((x) => !x.adam)] : variables;
  for (const variable of ordered) {
    const own = homes(spec, scope);
    const places = [...own, ...standardPlaces(variable, scope).filter((d) => !own.includes(d))];
    for (const data of places) {
      const column = findColumn(data, variable.column);
      if (!column || !fitsType(spec.types, column)) continue;
      const label = column.label ? ` (${column.label})` : '';
      found.push({
        field: spec.key,
        column: pathOf(spec, data, column, scope),
        confidence: variable.confidence ?? 1,
        reason: `CDISC variable ${column.name}${label} in ${data.name}`,
        kind: 'cdisc',
      });
    }
  }
  return found;
}

/** A text column can hold a date only as ISO 8601 text: trust names and labels that say so. */
function looksLikeDate(column: ColumnInfo): boolean {
  return /(DTC|DT|DATE)$/i.test(column.name) || tokens(column.label).includes('date');
}

/**
 * How much of a text the field's words explain (0–1): none without a primary word, nor when they
 * explain less than a third of it. "Treatment group" for arm → 1; "Planned Treatment for Period
 * 01" → 0.5; "Action Taken with Study Treatment" → 0 (an AE's action, not an arm).
 */
function wordScore(words: string[], vocabulary: Vocabulary): number {
  const primary = words.filter((word) => vocabulary.primary.includes(word)).length;
  const secondary = words.filter((word) => vocabulary.secondary.includes(word)).length;
  const score = Math.min(1, (primary + 0.5 * secondary) / words.length);
  return primary > 0 && score >= 1 / 3 ? score : 0;
}

/**
 * A name or label match: label words the field's vocabulary explains, name words likewise
 * (GENDER for sex), or a name close to the field key or one of its CDISC names (USUBJ_ID).
 */
function fuzzyMatch(spec: WidgetFieldSpec, column: ColumnInfo): { confidence: number; reason: string } | undefined {
  const vocabulary = FIELD_VOCABULARY[spec.key] ?? { primary: tokens(spec.label), secondary: [] };
  const labelScore = wordScore(tokens(column.label), vocabulary);
  const nameWordScore = wordScore(tokens(column.name), vocabulary);

  const name = column.name.toUpperCase();
  const names = [spec.key, spec.key.replaceAll('_', ''), ...(CDISC_VARIABLES[spec.key] ?? []).map((v) => v.column)];
  const [similarity, closest] = names
    .map((known) => [jaroWinkler(name, known.toUpperCase()), known] as const)
    .reduce((best, next) => (next[0] > best[0] ? next : best), [0, ''] as readonly [number, string]);

  const fromLabel = labelScore > 0 ? 0.45 + 0.4 * labelScore : 0;
  const fromSimilarName =
    similarity >= NAME_SIMILAR ? 0.5 + (0.35 * (similarity - NAME_SIMILAR)) / (1 - NAME_SIMILAR) : 0;
  const fromNameWords = nameWordScore > 0 ? 0.4 + 0.35 * nameWordScore : 0;
  const fromName = Math.max(fromSimilarName, fromNameWords);
  if (fromLabel === 0 && fromName === 0) return undefined;
  const both = fromLabel > 0 && fromName > 0 ? 0.05 : 0;
  const confidence = Math.min(FUZZY_CEILING, Math.max(fromLabel, fromName) + both);
  const reasons = [
    ...(fromLabel > 0 ? [`label "${column.label}" resembles ${spec.label}`] : []),
    ...(fromName > 0
      ? [`name ${column.name} resembles ${fromSimilarName >= fromNameWords ? closest : spec.label}`]
      : []),
  ];
  return { confidence: Math.round(confidence * 100) / 100, reason: reasons.join('; ') };
}

function fuzzyCandidates(spec: WidgetFieldSpec, scope: Scope): Candidate[] {
  const wantsDate = spec.types.includes('date') && !spec.types.includes('any');
  return homes(spec, scope).flatMap((data) =>
    data.columns.flatMap((column): Candidate[] => {
      if (!fitsType(spec.types, column)) return [];
      if (wantsDate && column.type === 'string' && !looksLikeDate(column)) return [];
      const match = fuzzyMatch(spec, column);
      if (!match || match.confidence < OFFERED) return [];
      return [{ field: spec.key, column: pathOf(spec, data, column, scope), ...match, kind: 'fuzzy' }];
    }),
  );
}

/** CDISC hits first (in knowledge order), then name and label matches by confidence; one entry per column. */
function rankCandidates(spec: WidgetFieldSpec, scope: Scope): Candidate[] {
  const ranked = [
    ...cdiscCandidates(spec, scope),
    ...fuzzyCandidates(spec, scope).sort((a, b) => b.confidence - a.confidence),
  ];
  const seen = new Set<string>();
  return ranked
    .filter((candidate) => {
      const key = candidate.column.toUpperCase();
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort((a, b) => b.confidence - a.confidence);
}

/** The type's preferred dataset that exists, else the one whose columns best fit the type's fields. */
function pickDataset(input: SuggestMappingInput): DatasetInfo | undefined {
  if (input.dataset) return findDataset(input.datasets, input.dataset);
  for (const name of input.widget.datasets) {
    const found = findDataset(input.datasets, name);
    if (found) return found;
  }
  let best: { data: DatasetInfo; score: number } | undefined;
  for (const data of input.datasets) {
    const scope = { datasets: input.datasets, dataset: data, population: undefined };
    const score = input.widget.fields.reduce((sum, spec) => {
      const top = rankCandidates(spec, scope)[0];
      return top && top.confidence >= AUTO_MAP ? sum + (spec.required ? 2 : 1) * top.confidence : sum;
    }, 0);
    if (score > 0 && (!best || score > best.score)) best = { data, score };
  }
  return best?.data;
}

/**
 * A subject-level dataset is its own population; otherwise ADSL, then DM, except that an SDTM
 * dataset (AE) takes DM when there is one, so a widget stays within one standard.
 */
function pickPopulation(input: SuggestMappingInput, dataset: DatasetInfo | undefined): DatasetInfo | undefined {
  if (input.population) return findDataset(input.datasets, input.population);
  if (dataset && POPULATION_DATASETS.some((name) => name === dataset.name.toUpperCase())) return dataset;
  const order = dataset && !isAdam(dataset.name) ? [...POPULATION_DATASETS].reverse() : POPULATION_DATASETS;
  for (const name of order) {
    const found = findDataset(input.datasets, name);
    if (found) return found;
  }
  return undefined;
}

const suggestion = ({ kind: _, ...rest }: Candidate): MappingSuggestion => rest;

const columnName = (path: string) => path.slice(path.indexOf('.') + 1);

/**
 * Suggests how a widget reads a data version: its dataset, its population and a column for each
 * field. CDISC knowledge first (confidence 1, or 0.8–0.9 for fallbacks), then names and labels
 * that resemble the field (at most 0.85, each with its reason); a fuzzy match never takes a column
 * another field already has.
 */
export function suggestMapping(input: SuggestMappingInput): SuggestMappingResponse {
  const dataset = pickDataset(input);
  const population = pickPopulation(input, dataset);
  const scope: Scope = { datasets: input.datasets, dataset, population };
  const keys = [...new Set([...input.widget.fields.map((spec) => spec.key), ...(input.extraFields ?? [])])];
  const ranked = new Map(keys.map((key) => [key, rankCandidates(fieldSpec(input.widget, key), scope)]));

  const chosen = new Map<string, Candidate>();
  for (const [key, candidates] of ranked) {
    const known = candidates.find((candidate) => candidate.kind === 'cdisc');
    if (known) chosen.set(key, known);
  }
  const taken = new Set([...chosen.values()].map((candidate) => candidate.column.toUpperCase()));
  // A known variable of another field (ARM for screen_failure) is offered, never mapped by resemblance.
  const othersVariable = (candidate: Candidate) => {
    const fields = CDISC_VARIABLE_FIELDS.get(columnName(candidate.column).toUpperCase());
    return fields !== undefined && !fields.has(candidate.field);
  };
  const fuzzy = [...ranked.values()]
    .flat()
    .filter((candidate) => candidate.kind === 'fuzzy' && candidate.confidence >= AUTO_MAP && !othersVariable(candidate))
    .sort((a, b) => b.confidence - a.confidence);
  for (const candidate of fuzzy) {
    if (chosen.has(candidate.field) || taken.has(candidate.column.toUpperCase())) continue;
    chosen.set(candidate.field, candidate);
    taken.add(candidate.column.toUpperCase());
  }

  const mapping = Object.fromEntries(
    keys.flatMap((key) => {
      const pick = chosen.get(key);
      return pick ? [[key, pick.column]] : [];
    }),
  );
  return {
    dataset: dataset?.name ?? input.dataset ?? null,
    population: population?.name ?? input.population ?? null,
    mapping,
    suggestions: keys.flatMap((key) => {
      const pick = chosen.get(key);
      return pick ? [suggestion(pick)] : [];
    }),
    candidates: Object.fromEntries(
      keys.map((key) => [key, (ranked.get(key) ?? []).slice(0, CANDIDATES_PER_FIELD).map(suggestion)]),
    ),
    report: validateMapping(
      input.widget,
      mapping,
      input.datasets,
      dataset?.name ?? input.dataset,
      population?.name ?? input.population,
    ),
  };
}
