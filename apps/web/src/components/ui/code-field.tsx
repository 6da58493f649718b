import type { ReactNode } from 'react';
import { FormField } from './form-field.tsx';
import { Input } from './input.tsx';

interface CodeFieldProps {
  label: ReactNode;
  value: string;
  onChange: (value: string) => void;
  hint?: ReactNode;
  error?: string;
  /** Accepts a recovery code too (letters and a dash), so the keyboard is not numbers-only. */
  acceptsRecoveryCode?: boolean;
  autoFocus?: boolean;
  placeholder?: string;
}

/**
 * The one-time code entry used wherever a second factor is asked (enrolling and turning off the
 * authenticator, signing, the sign-in step): one field, so the browser's and password managers'
 * one-time-code autofill and the phone's number keyboard behave the same everywhere.
 */
export function CodeField({
  label,
  value,
  onChange,
  hint,
  error,
  acceptsRecoveryCode = false,
  autoFocus,
  placeholder,
}: CodeFieldProps) {
  return (
    <FormField label={label} hint={hint} error={error} required>
      {(control) => (
        <Input
          {...control}
          inputMode={acceptsRecoveryCode ? 'text' : 'numeric'}
          autoComplete="one-time-code"
          spellCheck={false}
          autoFocus={autoFocus}
          placeholder={placeholder}
          value={value}
          onChange={(e) => onChange(e.target.value)}
        />
      )}
    </FormField>
  );
}
