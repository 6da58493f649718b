import { FEATURE_FLAG_KEYS, FEATURES } from '@cdp/contracts';
import { CheckCircle2, MinusCircle } from 'lucide-react';

/** Which product features the platform has switched on for an organization; only features the product has. */
export function FeatureList({ features }: { features: Record<string, boolean> }) {
  return (
    <ul className="grid gap-x-6 gap-y-2 sm:grid-cols-2">
      {FEATURE_FLAG_KEYS.map((key) => {
        const on = features[key] !== false;
        return (
          <li key={key} className="flex items-center gap-2 text-[13px]">
            {on ? (
              <CheckCircle2 className="size-4 shrink-0 text-emerald-600" aria-hidden />
            ) : (
              <MinusCircle className="size-4 shrink-0 text-slate-400" aria-hidden />
            )}
            <span className={on ? undefined : 'text-muted-foreground'}>{FEATURES[key].label}</span>
            <span className="sr-only">{on ? '(on)' : '(off)'}</span>
          </li>
        );
      })}
    </ul>
  );
}
