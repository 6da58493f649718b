import { FEATURES, type FeatureFlag } from '@cdp/contracts';
import { Link } from '@tanstack/react-router';
import { PowerOff } from 'lucide-react';
import { Button } from '../ui/button.tsx';
import { Card } from '../ui/card.tsx';

/**
 * Shown instead of a page whose feature the platform switched off for the organization (an old
 * bookmark, a shared link): links to it are not offered, and its data is never requested.
 */
export function FeatureOff({ flag }: { flag: FeatureFlag }) {
  return (
    <Card className="mx-auto mt-8 max-w-lg">
      <div className="flex flex-col items-center px-8 py-12 text-center">
        <div className="mb-4 flex size-12 items-center justify-center rounded-full border border-border bg-surface-muted text-muted-foreground">
          <PowerOff className="size-5" aria-hidden />
        </div>
        <h1 className="text-base font-semibold">{FEATURES[flag].label} are switched off</h1>
        <p className="mt-2 max-w-sm text-[13px] leading-relaxed text-muted-foreground">
          Your organization does not use this feature. A platform administrator can switch it on.
        </p>
        <Button asChild variant="secondary" className="mt-6">
          <Link to="/">Go to overview</Link>
        </Button>
      </div>
    </Card>
  );
}
