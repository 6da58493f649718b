import type { SubjectProfile } from '@cdp/contracts';
import { Card, CardHeader } from '../../../components/ui/card.tsx';
import { Missing } from './profile-cells.tsx';

/** Every column of the subject's DM (or ADSL) row, with its label. */
export function DemographicsCard({ demographics }: { demographics: NonNullable<SubjectProfile['demographics']> }) {
  return (
    <Card aria-labelledby="demographics-title">
      <CardHeader
        id="demographics-title"
        title="Demographics"
        description={`Every variable of ${demographics.dataset}`}
      />
      <dl className="grid grid-cols-1 gap-x-6 gap-y-3 px-5 py-4 sm:grid-cols-2 xl:grid-cols-4">
        {demographics.fields.map((f) => (
          <div key={f.name} className="min-w-0">
            <dt className="truncate text-xs text-muted-foreground" title={f.label ?? f.name}>
              {f.label ?? f.name} <span className="font-mono text-[11px] text-subtle-foreground">{f.name}</span>
            </dt>
            <dd className="truncate text-[13px]" title={f.value === null ? undefined : String(f.value)}>
              {f.value === null || f.value === '' ? <Missing /> : String(f.value)}
              {f.masked ? <span className="ml-1.5 text-[11px] text-warning-soft-foreground">masked</span> : null}
            </dd>
          </div>
        ))}
      </dl>
    </Card>
  );
}
