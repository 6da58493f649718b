export * from './folder/index.ts';
export * from './glob.ts';
export * from './rave/index.ts';
export * from './sftp/index.ts';
export * from './types.ts';
