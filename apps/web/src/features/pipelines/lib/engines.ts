import type { PipelineKindName } from '@cdp/contracts';

/**
 * The kinds of pipeline the server can run in this version of CDP. The editor offers only these: a
 * kind whose engine has not landed is not shown at all (the UI never claims what the product does
 * not do). Python runs in the bubblewrap sandbox; a server without `bwrap` refuses Python runs
 * with a message naming the Debian package to install.
 */
export const AVAILABLE_KINDS: readonly PipelineKindName[] = ['dsl', 'sql', 'python'];
