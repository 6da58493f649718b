import type { FieldValues, Path, UseFormReturn } from 'react-hook-form';
import { ApiError, errorMessage } from './api-error.ts';

/**
 * Puts the server's field problems (`details.issues`, paths like `body.quotas.maxUsers`) onto the
 * matching form fields. Anything that matches no field becomes the form's own error, shown above
 * the submit button, so no message from the server is ever lost.
 */
export function applyServerErrors<T extends FieldValues>(
  form: UseFormReturn<T>,
  error: unknown,
  fieldMap: Record<string, Path<T>> = {},
): void {
  const fields = new Set(Object.keys(form.getValues()));
  let unmatched: string | null = null;
  let focused = false;
  const issues = error instanceof ApiError ? error.issues : [];
  for (const issue of issues) {
    const path = issue.path.replace(/^body\./, '');
    const target = fieldMap[path] ?? (fields.has(path.split('.')[0] ?? '') ? (path as Path<T>) : undefined);
    if (!target) {
      unmatched ??= issue.message;
      continue;
    }
    form.setError(target, { type: 'server', message: issue.message }, { shouldFocus: !focused });
    focused = true;
  }
  if (issues.length === 0 || unmatched) {
    form.setError('root.server', { type: 'server', message: unmatched ?? errorMessage(error) });
  }
}
