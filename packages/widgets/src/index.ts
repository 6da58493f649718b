export * from './fields.ts';
export * from './mapping/index.ts';
export * from './migrations/index.ts';
export * from './query-helpers.ts';
export * from './registry.ts';
export * from './resolve-widget.ts';
export * from './subject-scope.ts';
export * from './types.ts';
