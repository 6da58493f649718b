/**
 * Which datasets feed each section of a patient profile. SDTM comes first and ADaM stands in
 * where the SDTM domain is absent: a study uploaded as SDTM reads AE, one uploaded as ADaM reads
 * ADAE, and one with both reads the collected data (the analysis copy repeats it with derivations).
 * Lab results read every ADLB… dataset (ADLBC, ADLBH, ADLBHY) when there is no LB.
 */
export const PROFILE_SECTIONS = [
  'demographics',
  'disposition',
  'visit',
  'exposure',
  'adverse_event',
  'medication',
  'medical_history',
  'labs',
  'vitals',
] as const;
export type ProfileSection = (typeof PROFILE_SECTIONS)[number];

type Choice = (name: string) => boolean;
const named =
  (...names: string[]): Choice =>
  (name) =>
    names.includes(name);

/** Per section, choices in order of preference: the first that matches any dataset wins. */
const PREFERENCES: Record<ProfileSection, Choice[]> = {
  demographics: [named('DM'), named('ADSL')],
  disposition: [named('DS'), named('ADDS'), named('ADSL')],
  visit: [named('SV')],
  exposure: [named('EX'), named('ADEX')],
  adverse_event: [named('AE'), named('ADAE')],
  medication: [named('CM'), named('ADCM')],
  medical_history: [named('MH'), named('ADMH')],
  labs: [named('LB'), (name) => /^ADLB/.test(name)],
  vitals: [named('VS'), named('ADVS')],
};

/** The datasets (upper-case names) each section reads, from the names the version holds. */
export function profileSources(datasetNames: Iterable<string>): Record<ProfileSection, string[]> {
  const names = [...datasetNames].map((n) => n.toUpperCase()).sort();
  const sources = {} as Record<ProfileSection, string[]>;
  for (const section of PROFILE_SECTIONS) {
    sources[section] = [];
    for (const choice of PREFERENCES[section]) {
      const found = names.filter(choice);
      if (found.length > 0) {
        sources[section] = found;
        break;
      }
    }
  }
  return sources;
}
