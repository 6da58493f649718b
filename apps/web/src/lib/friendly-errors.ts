import type { z } from 'zod';

/**
 * Readable messages for the generic zod issues in forms ("Too small: expected string to have
 * >=2 characters" becomes "Use at least 2 characters."). Messages a schema sets itself win.
 */
export const friendlyErrors: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'too_small':
      if (issue.origin === 'string') {
        return Number(issue.minimum) <= 1 ? 'This field is required.' : `Use at least ${issue.minimum} characters.`;
      }
      if (issue.origin === 'array') return `Choose at least ${issue.minimum}.`;
      return `Enter ${issue.minimum} or more.`;
    case 'too_big':
      if (issue.origin === 'string') return `Use at most ${issue.maximum} characters.`;
      return `Enter ${issue.maximum} or less.`;
    case 'invalid_value':
      return 'Choose one of the options.';
    case 'invalid_format':
      return issue.format === 'email' ? 'Enter a valid e-mail address.' : 'Enter a valid value.';
    case 'invalid_type':
      return issue.input === undefined || issue.input === null || issue.input === ''
        ? 'This field is required.'
        : 'Enter a valid value.';
    default:
      return undefined;
  }
};
