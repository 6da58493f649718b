import { readFileSync } from 'node:fs';
import { DASHBOARD_SCHEMA_VERSION, DashboardDocument } from '@cdp/contracts';
import { describe, expect, it } from 'vitest';
import { DocumentVersionError, MIGRATIONS, migrateDocument, migrateDocumentShape } from './index.ts';

/** Golden files: `fixtures/vN.json` is the same dashboard written at schemaVersion N. */
function fixture(version: number): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`./fixtures/v${version}.json`, import.meta.url), 'utf8'));
}

describe('dashboard document migrations', () => {
  it('has one step per version up to the current one', () => {
    for (let version = 2; version <= DASHBOARD_SCHEMA_VERSION; version += 1)
      expect(MIGRATIONS[version], `v${version}`).toBeTypeOf('function');
  });

  it.each(Object.keys(MIGRATIONS).map(Number))(
    'step to v%i turns the v(N-1) golden file into the vN one',
    (version) => {
      const step = MIGRATIONS[version];
      expect(step?.(fixture(version - 1))).toEqual(fixture(version));
    },
  );

  it('steps are pure: the input is not changed', () => {
    const input = fixture(1);
    const copy = structuredClone(input);
    migrateDocumentShape(input);
    expect(input).toEqual(copy);
  });

  it('the whole chain takes the oldest golden file to a valid current document', () => {
    const current = migrateDocument(fixture(1));
    expect(current).toEqual(DashboardDocument.parse(fixture(DASHBOARD_SCHEMA_VERSION)));
  });

  it('a current document passes through unchanged', () => {
    const current = fixture(DASHBOARD_SCHEMA_VERSION);
    expect(migrateDocumentShape(current)).toEqual(current);
  });

  it('a document without schemaVersion is read as v1', () => {
    const { schemaVersion: _, ...unversioned } = fixture(1);
    expect(migrateDocumentShape(unversioned)).toEqual(fixture(2));
  });

  it.each([
    [{ schemaVersion: 99, pages: [] }, 'schemaVersion 99 is newer than this server understands'],
    [{ schemaVersion: 'two', pages: [] }, 'schemaVersion must be a whole number'],
    [[], 'must be a JSON object'],
  ])('refuses %j', (doc, message) => {
    expect(() => migrateDocumentShape(doc)).toThrow(DocumentVersionError);
    expect(() => migrateDocumentShape(doc)).toThrow(message);
  });
});
