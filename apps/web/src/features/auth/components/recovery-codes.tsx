import { Alert } from '../../../components/ui/alert.tsx';
import { CopyButton } from '../../../components/ui/copy-button.tsx';

/** The ten recovery codes, shown this once: each signs in once when the authenticator is lost. */
export function RecoveryCodes({ codes }: { codes: string[] }) {
  return (
    <div className="space-y-3">
      <Alert tone="warning" title="Save these recovery codes now">
        They are shown only this once. Each one signs you in once if you lose your authenticator.
      </Alert>
      <ol
        className="grid grid-cols-2 gap-x-6 gap-y-1 rounded-md border border-border bg-surface-muted px-4 py-3 font-mono text-[13px]"
        aria-label="Recovery codes"
      >
        {codes.map((code) => (
          <li key={code}>{code}</li>
        ))}
      </ol>
      <CopyButton value={codes.join('\n')} label="Copy the codes" />
    </div>
  );
}
