export * from './errors.ts';
export * from './sas-formats.ts';
export * from './types.ts';
