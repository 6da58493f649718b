export * from './column-profile.ts';
export * from './dataset-rows.ts';
export * from './dataset-store.ts';
export * from './diff-datasets.ts';
export * from './distinct-count.ts';
export * from './protected-source.ts';
export * from './query/index.ts';
export * from './query-error.ts';
