export * from './executor.ts';
export { checkPython } from './python/check-python.ts';
export { createPythonExecutor, executePython, type PythonExecutorOptions } from './python/execute-python.ts';
export { checkSql, type SqlCheckInput } from './sql/check-sql.ts';
export { executeSql } from './sql/execute-sql.ts';
