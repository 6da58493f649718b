import { describe, expect, it } from 'vitest';
import { PythonPipelineBody, SqlPipelineBody } from './pipeline-sql.ts';

function issues(result: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }) {
  return result.error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) ?? [];
}

describe('SqlPipelineBody', () => {
  it('accepts named statements and outputs naming them', () => {
    const body = SqlPipelineBody.parse({
      statements: [
        { name: 'adults', sql: 'SELECT * FROM DM WHERE AGE >= 18' },
        { name: 'counts', sql: 'SELECT ARM, count(*) AS n FROM adults GROUP BY ARM' },
      ],
      outputs: ['counts'],
    });
    expect(body.statements).toHaveLength(2);
  });

  it.each([
    [{ statements: [] }, 'statements: a SQL pipeline needs at least one statement'],
    [{ statements: [{ name: '1bad', sql: 'SELECT 1' }] }, 'statements.0.name: a dataset name is a letter'],
    [{ statements: [{ name: 'a', sql: '  ' }] }, 'statements.0.sql: a statement needs a SELECT'],
    [
      {
        statements: [
          { name: 'a', sql: 'SELECT 1' },
          { name: 'A', sql: 'SELECT 2' },
        ],
      },
      'statements.1.name: "A" is already the name of statements[0]',
    ],
    [{ statements: [{ name: 'a', sql: 'SELECT 1' }], outputs: ['b'] }, 'outputs.0: no statement is named "b"'],
    [{ statements: [{ name: 'a', sql: 'SELECT 1' }], outputs: ['a', 'a'] }, 'outputs.1: "a" is listed twice'],
  ])('refuses %j', (input, message) => {
    expect(issues(SqlPipelineBody.safeParse(input)).join('\n')).toContain(message);
  });
});

describe('PythonPipelineBody', () => {
  it('accepts a script with optional outputs', () => {
    expect(PythonPipelineBody.parse({ script: 'print(1)' }).outputs).toBeUndefined();
    expect(PythonPipelineBody.parse({ script: 'print(1)', outputs: ['x'] }).outputs).toEqual(['x']);
  });

  it.each([
    [{ script: '' }, 'script: a Python pipeline needs a script'],
    [{ script: 'x', outputs: ['a b'] }, 'outputs.0: a dataset name is a letter'],
    [{ script: 'x', outputs: ['X', 'x'] }, 'outputs.1: "x" is listed twice'],
    [{ script: 'x', extra: 1 }, 'Unrecognized key'],
  ])('refuses %j', (input, message) => {
    expect(issues(PythonPipelineBody.safeParse(input)).join('\n')).toContain(message);
  });
});
