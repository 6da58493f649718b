export * from './executor.ts';
export { createPythonExecutor, executePython, type PythonExecutorOptions } from './python/execute-python.ts';
export { checkSql, type SqlCheckInput } from './sql/check-sql.ts';
export { executeSql } from './sql/execute-sql.ts';
