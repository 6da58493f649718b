import { DASHBOARD_SCHEMA_VERSION, DashboardDocument } from '@cdp/contracts';
import { widgetType } from '../registry.ts';
import { v2 } from './v2.ts';

type Migration = (doc: Record<string, unknown>) => Record<string, unknown>;

/** `MIGRATIONS[n]` moves a document from schemaVersion n-1 to n. Pure functions, one per step. */
export const MIGRATIONS: Readonly<Record<number, Migration>> = { 2: v2 };

/** A stored document this server cannot read: the message says why and where. */
export class DocumentVersionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DocumentVersionError';
  }
}

/** Moves a document of any known schemaVersion to the current one (no validation). */
export function migrateDocumentShape(input: unknown): Record<string, unknown> {
  if (!input || typeof input !== 'object' || Array.isArray(input))
    throw new DocumentVersionError('a dashboard document must be a JSON object');
  let doc = input as Record<string, unknown>;
  const from = doc.schemaVersion ?? 1;
  if (typeof from !== 'number' || !Number.isInteger(from) || from < 1) {
    throw new DocumentVersionError(`schemaVersion must be a whole number from 1 to ${DASHBOARD_SCHEMA_VERSION}`);
  }
  if (from > DASHBOARD_SCHEMA_VERSION) {
    throw new DocumentVersionError(
      `schemaVersion ${from} is newer than this server understands (${DASHBOARD_SCHEMA_VERSION})`,
    );
  }
  for (let version = from + 1; version <= DASHBOARD_SCHEMA_VERSION; version += 1) {
    const step = MIGRATIONS[version];
    if (!step) throw new DocumentVersionError(`no migration to schemaVersion ${version}`);
    doc = step(doc);
  }
  return doc;
}

/**
 * Migrates, validates and brings every widget's options to its type's current `optionsVersion`.
 * Throws the zod error for an invalid document (the caller reports its issues with their paths).
 */
export function migrateDocument(input: unknown): DashboardDocument {
  const doc = DashboardDocument.parse(migrateDocumentShape(input));
  for (const page of doc.pages) {
    for (const widget of Object.values(page.widgets)) {
      const type = widgetType(widget.type);
      if (!type || widget.optionsVersion >= type.optionsVersion) continue;
      widget.options = type.migrateOptions
        ? type.migrateOptions(widget.options, widget.optionsVersion)
        : widget.options;
      widget.optionsVersion = type.optionsVersion;
    }
  }
  return doc;
}
