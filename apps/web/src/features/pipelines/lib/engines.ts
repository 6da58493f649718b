import type { PipelineKindName } from '@cdp/contracts';

/**
 * The kinds of pipeline the server can run in this version of CDP. The editor offers only these: a
 * kind whose engine has not landed is not shown at all (the UI never claims what the product does
 * not do).
 */
// Python waits for the sandboxed engine (issue 12, item 4): not offered until it lands.
export const AVAILABLE_KINDS: readonly PipelineKindName[] = ['dsl', 'sql'];
