/**
 * Words that columns' labels use for each field. A label must contain a `primary` word to match;
 * `secondary` words (generic ones such as "date" or "flag") add to the match but never make one.
 */
export interface Vocabulary {
  primary: readonly string[];
  secondary: readonly string[];
}

const words = (primary: string, secondary = ''): Vocabulary => ({
  primary: primary.split(' ').filter(Boolean),
  secondary: secondary.split(' ').filter(Boolean),
});

export const FIELD_VOCABULARY: Readonly<Record<string, Vocabulary>> = {
  subject_id: words('subject patient participant usubjid subjid', 'unique identifier id number'),
  arm: words('arm treatment trt cohort', 'planned actual description group'),
  event_arm: words('arm treatment trt', 'actual'),
  site: words('site center centre investigator', 'identifier id number'),
  country: words('country nation'),
  age: words('age', 'years'),
  sex: words('sex gender'),
  race: words('race'),
  ethnicity: words('ethnicity ethnic'),
  population_flag: words('population safety itt analysis', 'flag set'),
  screening_date: words('screening consent informed', 'date'),
  enrollment_date: words('enrollment enrolment randomization randomisation randomized reference', 'date start'),
  treatment_start: words('exposure dose dosing treatment', 'date first start'),
  randomized_flag: words('randomized randomised randomization', 'flag'),
  screen_failure: words('screen screening failure', 'failed flag'),
  disposition: words('disposition completion discontinuation status', 'end study standardized term'),
  disposition_category: words('disposition category', 'event'),
  disposition_reason: words('reason discontinuation withdrawal', 'study'),
  visit: words('visit', 'name number'),
  visit_date: words('visit', 'date start'),
  ae_term: words('preferred term reported adverse', 'dictionary derived event'),
  ae_body_system: words('body organ soc', 'system class primary'),
  ae_serious: words('serious sae', 'event'),
  ae_severity: words('severity intensity grade toxicity'),
  ae_start_date: words('onset start', 'date adverse event analysis'),
  ae_treatment_emergent: words('emergent', 'treatment flag analysis'),
  lab_test: words('test parameter analyte', 'name lab'),
  lab_value: words('result value', 'numeric standard analysis'),
  lab_uln: words('upper high uln', 'normal range limit reference'),
  lab_lln: words('lower low lln', 'normal range limit reference'),
  lab_unit: words('unit units', 'standard'),
  lab_date: words('specimen collection lab laboratory', 'date analysis'),
  lab_test_code: words('test parameter', 'code short name'),
  lab_indicator: words('indicator', 'reference range normal'),
  baseline_flag: words('baseline', 'flag record'),
  on_treatment_flag: words('on-treatment treatment', 'flag'),
};

const STOP_WORDS = new Set([
  'a',
  'an',
  'and',
  'at',
  'by',
  'did',
  'for',
  'in',
  'is',
  'of',
  'or',
  'the',
  'to',
  'was',
  'with',
]);

/** Lower-case words of a label or name: split at non-letters and camelCase, numbers and stop words dropped. */
export function tokens(text: string | null | undefined): string[] {
  if (!text) return [];
  return text
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z]+/)
    .filter((word) => word.length > 0 && !STOP_WORDS.has(word));
}
