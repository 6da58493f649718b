export * from './rave/index.ts';
export * from './types.ts';
