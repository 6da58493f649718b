import { PASSWORD_MIN_LENGTH, passwordPolicyProblems } from '@cdp/contracts';
import { Check, Circle, ShieldCheck } from 'lucide-react';
import { cn } from '../../../lib/cn.ts';

/**
 * Live feedback on the parts of the password policy the browser can check. The common-password
 * check needs the server's word list, so it is announced as happening on save.
 */
export function PasswordHints({ password, email }: { password: string; email: string }) {
  const problems = passwordPolicyProblems(password, email);
  const localPart = email.split('@')[0] ?? '';
  const rules = [
    { text: `At least ${PASSWORD_MIN_LENGTH} characters`, ok: password.length >= PASSWORD_MIN_LENGTH },
    {
      text: `Does not contain your e-mail name${localPart ? ` (“${localPart}”)` : ''}`,
      ok: password.length > 0 && !problems.some((p) => p.includes('e-mail')),
    },
  ];
  return (
    <ul className="space-y-1" aria-label="Password requirements">
      {rules.map((rule) => (
        <li
          key={rule.text}
          className={cn(
            'flex items-center gap-1.5',
            rule.ok ? 'text-success-soft-foreground' : 'text-muted-foreground',
          )}
        >
          {rule.ok ? <Check className="size-3.5" aria-hidden /> : <Circle className="size-3" aria-hidden />}
          <span>{rule.text}</span>
          <span className="sr-only">{rule.ok ? '(met)' : '(not met yet)'}</span>
        </li>
      ))}
      <li className="flex items-center gap-1.5 text-muted-foreground">
        <ShieldCheck className="size-3.5" aria-hidden />
        Not a commonly used password (checked when you save)
      </li>
    </ul>
  );
}
