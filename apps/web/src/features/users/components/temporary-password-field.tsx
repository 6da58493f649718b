import { Wand2 } from 'lucide-react';
import { Button } from '../../../components/ui/button.tsx';
import { CopyButton } from '../../../components/ui/copy-button.tsx';
import { FormField } from '../../../components/ui/form-field.tsx';
import { Input } from '../../../components/ui/input.tsx';
import { generateTemporaryPassword } from '../../../lib/password-generator.ts';

interface TemporaryPasswordFieldProps {
  value: string;
  onChange: (value: string) => void;
  onBlur?: () => void;
  error?: string;
  email: string;
  label?: string;
}

/**
 * A visible password field with a generator: the administrator hands the password over out of
 * band, so it is shown, and the person must replace it at first sign-in.
 */
export function TemporaryPasswordField({
  value,
  onChange,
  onBlur,
  error,
  email,
  label = 'Temporary password',
}: TemporaryPasswordFieldProps) {
  return (
    <FormField
      label={label}
      error={error}
      required
      hint="At least 12 characters, not containing the e-mail name. They must choose their own at first sign-in."
    >
      {(control) => (
        <div className="flex gap-2">
          <Input
            {...control}
            value={value}
            onChange={(event) => onChange(event.target.value)}
            onBlur={onBlur}
            autoComplete="off"
            spellCheck={false}
            className="font-mono"
          />
          <Button variant="secondary" onClick={() => onChange(generateTemporaryPassword(email))}>
            <Wand2 />
            Generate
          </Button>
          {value ? <CopyButton value={value} label="Copy temporary password" /> : null}
        </div>
      )}
    </FormField>
  );
}
