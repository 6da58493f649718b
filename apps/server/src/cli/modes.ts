/** The `cdp` CLI's modes (main.ts); deploy manifests are checked against this list (test/deploy-manifests.test.ts). */
export const SERVER_MODES = [
  'start',
  'api',
  'worker',
  'migrate',
  'seed',
  'backup',
  'restore',
  'secrets',
  'keys',
] as const;
export type ServerMode = (typeof SERVER_MODES)[number];

/** Modes that may start the embedded PostgreSQL under DATA_DIR (when DATABASE_URL is unset). */
export const EMBEDDED_MODES: readonly ServerMode[] = ['start', 'backup', 'restore', 'secrets', 'keys'];

/** Modes that need no database. */
export const TOOL_MODES = ['demo', 'help'] as const;
