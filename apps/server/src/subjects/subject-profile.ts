import type { DatasetStore } from '@cdp/analytics';
import type { SubjectProfile } from '@cdp/contracts';
import type { VersionData } from '../data/version-data.ts';
import { notFound } from '../lib/app-error.ts';
import { assembleProfile, type SectionRows } from './assemble-profile.ts';
import { PROFILE_SECTIONS, type ProfileSection, profileSources } from './profile-sources.ts';
import { readSubjectData } from './read-subject-data.ts';

/**
 * One subject's profile from a data version the reader may read (masked as `loadVersionData`
 * decided): the subject's rows in every dataset, read once each and in parallel, assembled into
 * sections. A subject with no row in any dataset is a 404, as an unknown id is elsewhere.
 */
export async function loadSubjectProfile(
  store: DatasetStore,
  version: VersionData,
  subjectId: string,
): Promise<SubjectProfile> {
  const sources = profileSources(version.datasets.keys());
  const read = new Set(PROFILE_SECTIONS.flatMap((section) => sources[section]));
  const data = await readSubjectData(store, version, subjectId, read);
  const held = data.filter((d) => d.total > 0);
  if (held.length === 0) throw notFound(`Subject ${subjectId}`);

  const byName = new Map(data.map((d) => [d.dataset.name.toUpperCase(), d]));
  const sections = {} as Record<ProfileSection, SectionRows[]>;
  for (const section of PROFILE_SECTIONS) {
    sections[section] = sources[section].flatMap((name) => {
      const found = byName.get(name);
      if (!found || found.records.length === 0) return [];
      return [{ name, columns: found.dataset.columns, records: found.records }];
    });
  }
  const assembled = assembleProfile(subjectId, sections);
  return {
    subjectId,
    studyId: version.studyId,
    versionId: version.id,
    ...assembled,
    datasets: held
      .map((d) => ({ name: d.dataset.name, label: d.dataset.label, rows: d.total, subjectColumn: d.subjectColumn }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    sources: Object.fromEntries(
      PROFILE_SECTIONS.flatMap((section) =>
        sections[section].length > 0 ? [[section, sections[section].map((s) => s.name)]] : [],
      ),
    ),
    truncated: data
      .filter((d) => read.has(d.dataset.name.toUpperCase()) && d.records.length < d.total)
      .map((d) => d.dataset.name),
  };
}

/** Rows each dataset handed over, for the PHI access log (a count-only read hands over none). */
export function rowsHandedOver(profile: SubjectProfile): Array<{ dataset: string; rows: number }> {
  const read = new Set(Object.values(profile.sources).flat());
  return profile.datasets.map((d) => ({ dataset: d.name, rows: read.has(d.name.toUpperCase()) ? d.rows : 0 }));
}
