export { readXpt } from './read-xpt.ts';
export { type WriteXptOptions, writeXpt } from './write-xpt.ts';
