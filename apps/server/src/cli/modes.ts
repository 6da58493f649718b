/** The `cdp` CLI's modes (main.ts); deploy manifests are checked against this list (test/deploy-manifests.test.ts). */
export const SERVER_MODES = ['start', 'api', 'worker', 'migrate', 'seed'] as const;
export type ServerMode = (typeof SERVER_MODES)[number];

/** Modes that need no database. */
export const TOOL_MODES = ['demo', 'help'] as const;
