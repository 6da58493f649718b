import { z } from 'zod';

interface FeatureInfo {
  label: string;
  /** What switching it off does, as the platform console and Settings say it. */
  description: string;
  /**
   * Whether the product has this feature yet. A flag whose feature does not exist is shown
   * nowhere (Settings, platform console, API responses) and cannot be set: offering a switch
   * for it would claim a capability the product lacks. The issue that builds a feature flips
   * this to `true`, gates its routes with `requireFeature` and hides its UI with `useFeature`.
   */
  available: boolean;
}

/** Every feature flag a platform admin can switch per organization. Flags default to on. */
export const FEATURES = {
  data_uploads: {
    label: 'Data uploads',
    description: 'Upload ZIP, SAS, CSV, Excel, Parquet, ODM and Dataset-JSON files as new data versions.',
    available: true,
  },
  dashboards: {
    label: 'Dashboards',
    description: 'Study dashboards, the dashboard builder, templates and widget data.',
    available: true,
  },
  rave_connector: {
    label: 'Medidata Rave connector',
    description: 'Data sources that pull clinical data from Medidata Rave Web Services.',
    available: true,
  },
  sftp_connector: {
    label: 'sFTP and watched folders',
    description: 'Data sources that pick up files from an sFTP server or a watched folder.',
    available: true,
  },
  pipelines: {
    label: 'Transformation pipelines',
    description: 'Pipelines over study data: definitions, runs, outputs and lineage.',
    available: true,
  },
  python_scripts: { label: 'Sandboxed Python scripts', description: 'Python pipeline steps.', available: false },
  exports: {
    label: 'PDF, PowerPoint and Excel exports',
    description: 'Dashboards as PDF, PowerPoint and Excel files, and widgets as PNG, SVG, CSV and Excel.',
    available: true,
  },
  scheduled_reports: {
    label: 'Scheduled e-mailed reports',
    description: 'Dashboards e-mailed on a schedule as PDF, PowerPoint or Excel (Study → Reports).',
    available: true,
  },
  public_api: { label: 'Public API and API keys', description: 'API keys for other systems.', available: true },
  electronic_signatures: {
    label: 'Electronic signatures (21 CFR Part 11)',
    description:
      'Sign data versions, dashboard and pipeline versions, locked studies and exports, with re-authentication and verification.',
    available: true,
  },
} as const satisfies Record<string, FeatureInfo>;

export type KnownFeatureFlag = keyof typeof FEATURES;
/** A flag whose feature exists: the only ones the API shows or accepts. */
export type FeatureFlag = {
  [K in KnownFeatureFlag]: (typeof FEATURES)[K]['available'] extends true ? K : never;
}[KnownFeatureFlag];

export const FEATURE_FLAG_KEYS = (Object.keys(FEATURES) as KnownFeatureFlag[]).filter(
  (key): key is FeatureFlag => FEATURES[key].available,
);

/** A flag is on unless the organization's stored settings switch it off. */
export function featureEnabled(stored: Record<string, boolean> | null | undefined, flag: FeatureFlag): boolean {
  return stored?.[flag] !== false;
}

/** The flags an organization shows: available ones only, each on or off. */
export function effectiveFeatures(stored: Record<string, boolean> | null | undefined): Record<FeatureFlag, boolean> {
  return Object.fromEntries(FEATURE_FLAG_KEYS.map((key) => [key, featureEnabled(stored, key)])) as Record<
    FeatureFlag,
    boolean
  >;
}

/** Setting flags: only available ones; any other key is a 400 naming it. */
export const Features = z.partialRecord(z.enum(FEATURE_FLAG_KEYS as [FeatureFlag, ...FeatureFlag[]]), z.boolean());

/** An organization's flags as the API shows them: every available flag, on or off. */
export const EffectiveFeatures = z.record(z.enum(FEATURE_FLAG_KEYS as [FeatureFlag, ...FeatureFlag[]]), z.boolean());
