import { FEATURE_FLAG_KEYS, FEATURES, type FeatureFlag, type Organization } from '@cdp/contracts';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Card, CardHeader } from '../../../components/ui/card.tsx';
import { Switch } from '../../../components/ui/switch.tsx';
import { toast } from '../../../components/ui/toaster.tsx';
import { errorMessage } from '../../../lib/api-error.ts';
import { platformKeys, updateOrganization } from '../api/platform-api.ts';

/**
 * One switch per feature the product has (flags of features still to come are not offered); each
 * change is saved (and audited) at once.
 */
export function FeatureSwitches({ org, canManage }: { org: Organization; canManage: boolean }) {
  const queryClient = useQueryClient();
  const mutation = useMutation({
    mutationFn: ({ key, on }: { key: FeatureFlag; on: boolean }) =>
      updateOrganization(org.id, { features: { [key]: on } }),
    onSuccess: (result, { key, on }) => {
      queryClient.setQueryData(platformKeys.detail(org.id), result);
      void queryClient.invalidateQueries({ queryKey: platformKeys.all });
      toast.success(`${FEATURES[key].label} ${on ? 'switched on' : 'switched off'}`);
    },
    onError: (error) => toast.error('Could not change the feature', { description: errorMessage(error) }),
  });
  return (
    <Card>
      <CardHeader title="Features" description="Switch product features on or off for this organization." />
      <ul className="divide-y divide-border">
        {FEATURE_FLAG_KEYS.map((key) => {
          const id = `feature-${key}`;
          const pending = mutation.isPending && mutation.variables?.key === key;
          return (
            <li key={key} className="flex items-center justify-between gap-4 px-5 py-3">
              <div className="min-w-0">
                <label htmlFor={id} className="text-[13px] font-medium">
                  {FEATURES[key].label}
                </label>
                <p id={`${id}-description`} className="text-xs text-muted-foreground">
                  {FEATURES[key].description}
                </p>
              </div>
              <Switch
                id={id}
                aria-describedby={`${id}-description`}
                checked={pending ? mutation.variables?.on : org.features[key] !== false}
                disabled={!canManage || mutation.isPending}
                onCheckedChange={(on) => mutation.mutate({ key, on })}
              />
            </li>
          );
        })}
      </ul>
    </Card>
  );
}
