import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { DSL_OPERATION_NAMES, DSL_OPERATIONS, DslBody, DslStep, formatDslPath } from './pipeline-dsl.ts';
import { describeDslIssues } from './pipeline-dsl-issues.ts';

const issues = (body: unknown) => {
  const parsed = DslBody.safeParse(body);
  return parsed.success ? [] : parsed.error.issues.map((i) => `${formatDslPath(i.path)}: ${i.message}`);
};

describe('the pipeline DSL contract', () => {
  it('labels every parameter of every operation, and nothing else', () => {
    for (const option of DslStep.options) {
      const operation = option.shape.operation.value;
      const parameters = Object.keys(option.shape.parameters.shape).sort();
      expect(Object.keys(DSL_OPERATIONS[operation].parameters).sort(), operation).toEqual(parameters);
    }
    expect(DslStep.options.map((o) => o.shape.operation.value)).toEqual([...DSL_OPERATION_NAMES]);
  });

  it('tells the form the default of every optional choice, as the contract applies it', () => {
    for (const option of DslStep.options) {
      const operation = option.shape.operation.value;
      for (const [name, field] of Object.entries(option.shape.parameters.shape) as [string, z.ZodType][]) {
        const info = DSL_OPERATIONS[operation].parameters[name];
        if (info?.kind !== 'enum') continue;
        const def = field.def as { type: string; defaultValue?: unknown };
        expect(info.default, `${operation}.${name}`).toBe(def.type === 'default' ? def.defaultValue : undefined);
      }
    }
  });

  it('applies defaults', () => {
    const body = DslBody.parse({
      steps: [
        { operation: 'merge_datasets', parameters: { left: 'DM', right: 'AE', on: ['USUBJID'], output_name: 'M' } },
      ],
    });
    expect(body.steps[0]?.parameters).toEqual({
      left: 'DM',
      right: 'AE',
      on: ['USUBJID'],
      how: 'inner',
      suffixes: ['_x', '_y'],
      output_name: 'M',
    });
  });

  it.each([
    [
      { column: 'AGE', operator: 'is_null', value: 3 },
      'steps[0].parameters.conditions[0].value: "is_null" takes no value',
    ],
    [{ column: 'AGE', operator: 'equals' }, 'steps[0].parameters.conditions[0].value: "equals" needs a value'],
    [
      { column: 'AGE', operator: 'in', value: [] },
      'steps[0].parameters.conditions[0].value: "in" needs a non-empty list of values',
    ],
    [
      { column: 'AGE', operator: 'equals', value: [1, 2] },
      'steps[0].parameters.conditions[0].value: "equals" takes one value, not a list',
    ],
    [
      { column: 'AGE', operator: 'contains', value: 6 },
      'steps[0].parameters.conditions[0].value: "contains" needs a text value',
    ],
  ])('checks a condition’s value against its operator: %j', (condition, message) => {
    expect(
      issues({ steps: [{ operation: 'filter_rows', parameters: { dataset: 'DM', conditions: [condition] } }] }),
    ).toEqual([message]);
  });

  it('fill_missing takes a value or a method; aggregate measures need a column except count', () => {
    expect(
      issues({
        steps: [
          { operation: 'fill_missing', parameters: { dataset: 'DM', columns: ['AGE'], value: 1, method: 'mean' } },
        ],
      }),
    ).toEqual(['steps[0].parameters.value: give either a value or a method, not both']);
    expect(issues({ steps: [{ operation: 'fill_missing', parameters: { dataset: 'DM', columns: ['AGE'] } }] })).toEqual(
      ['steps[0].parameters.value: give a value to fill with, or a method'],
    );
    expect(
      issues({
        steps: [
          {
            operation: 'aggregate',
            parameters: {
              dataset: 'DM',
              group_by: [],
              measures: [
                { function: 'count', as: 'N' },
                { function: 'mean', as: 'M' },
              ],
            },
          },
        ],
      }),
    ).toEqual(['steps[0].parameters.measures[1].column: "mean" needs a column']);
  });

  it('refuses names a step cannot create, and unknown parameters', () => {
    expect(
      issues({
        steps: [
          { operation: 'add_calculated_column', parameters: { dataset: 'DM', column_name: '1X', expression: '1' } },
        ],
      }),
    ).toEqual([
      'steps[0].parameters.column_name: a new name is a letter or underscore, then up to 63 letters, digits or underscores',
    ]);
    expect(
      issues({
        steps: [{ operation: 'sort_by', parameters: { dataset: 'DM', columns: [{ column: 'AGE' }], sql: 'DROP' } }],
      }),
    ).toEqual(['steps[0].parameters: Unrecognized key: "sql"']);
  });

  /** What the editor and the API say for a step half filled in: each names the field and what to do. */
  const described = (step: unknown) => {
    const body = { steps: [step] };
    const parsed = DslBody.safeParse(body);
    return parsed.success ? [] : describeDslIssues(body, parsed.error.issues).map((i) => `${i.path}: ${i.message}`);
  };

  it.each([
    [
      { operation: 'aggregate', parameters: { dataset: 'DM', group_by: [], measures: [] } },
      ['steps[0].parameters.measures: add at least one measure'],
    ],
    [
      { operation: 'filter_rows', parameters: { dataset: 'DM', conditions: [] } },
      ['steps[0].parameters.conditions: add at least one condition'],
    ],
    [
      // A misspelt operator: zod says only "Invalid input" for the union of condition and "any of" group.
      { operation: 'filter_rows', parameters: { dataset: 'DM', conditions: [{ column: 'AGE', operator: 'betwen' }] } },
      [
        'steps[0].parameters.conditions[0].operator: "betwen" is not one of: equals, not_equals, greater_than, greater_or_equal, less_than, less_or_equal, in, not_in, contains, starts_with, is_null, is_not_null, between',
      ],
    ],
    [
      { operation: 'filter_rows', parameters: { dataset: 'DM', conditions: [{ any: [] }] } },
      ['steps[0].parameters.conditions[0].any: an "any of" group needs at least one condition'],
    ],
    [
      { operation: 'sort_by', parameters: { dataset: 'DM', columns: [{ column: '' }] } },
      ['steps[0].parameters.columns[0].column: choose a column'],
    ],
    [
      { operation: 'merge_datasets', parameters: { left: 'DM', right: '', output_name: 'M' } },
      ['steps[0].parameters.right: choose a dataset', 'steps[0].parameters.on: choose at least one column'],
    ],
    [
      { operation: 'convert_types', parameters: { dataset: 'DM', conversions: { AGE: 'float' } } },
      ['steps[0].parameters.conversions.AGE: "float" is not one of: numeric, integer, string, boolean, date, datetime'],
    ],
    [{ operation: 'sort_by' }, ['steps[0].parameters: the step has no parameters']],
    [
      { operation: 'dedupe', parameters: {} },
      [`steps[0].operation: unknown operation "dedupe": one of ${DSL_OPERATION_NAMES.join(', ')}`],
    ],
    [
      { operation: 'select_columns', parameters: { dataset: 'DM', columns: ['AGE'], sql: 'DROP' } },
      ['steps[0].parameters: unknown parameter "sql"'],
    ],
    [
      { operation: 'add_calculated_column', parameters: { dataset: 'DM', column_name: 'X', expression: ' ' } },
      ['steps[0].parameters.expression: write an expression'],
    ],
  ])('says what to do about a step filled in wrongly: %j', (step, expected) => {
    expect(described(step)).toEqual(expected);
  });
});
