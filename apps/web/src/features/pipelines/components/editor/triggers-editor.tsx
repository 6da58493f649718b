import type { PipelineTriggers } from '@cdp/contracts';
import { useId, useMemo } from 'react';
import { Checkbox } from '../../../../components/ui/checkbox.tsx';
import { FormField } from '../../../../components/ui/form-field.tsx';
import { Input } from '../../../../components/ui/input.tsx';
import { Label } from '../../../../components/ui/label.tsx';
import { Select } from '../../../../components/ui/select.tsx';
import { Switch } from '../../../../components/ui/switch.tsx';
import { cronProblem, describeCron, nextRuns } from '../../lib/schedule.ts';

const browserZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

function timeZones(): string[] {
  const supported = (Intl as { supportedValuesOf?: (key: string) => string[] }).supportedValuesOf?.('timeZone') ?? [];
  return supported.includes('UTC') ? supported : ['UTC', ...supported];
}

const fmt = (date: Date, timeZone: string) =>
  new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(date);

/** When the pipeline runs besides by hand: on new data, after its upstream pipelines, on a schedule. */
export function TriggersEditor({
  value,
  onChange,
  hasUpstream,
  disabled,
}: {
  value: PipelineTriggers;
  onChange: (value: PipelineTriggers) => void;
  hasUpstream: boolean;
  disabled?: boolean;
}) {
  const zones = useMemo(timeZones, []);
  const onDataId = useId();
  const upstreamId = useId();
  const scheduleId = useId();
  const schedule = value.schedule;
  const problem = schedule ? cronProblem(schedule.cron) : null;
  const upcoming = schedule && !problem ? nextRuns(schedule.cron, schedule.timeZone, 3) : [];

  return (
    <div className="space-y-4">
      <p className="text-[13px] text-muted-foreground">Anyone who may run pipelines can always start a run by hand.</p>
      <div className="flex items-start gap-3">
        <Checkbox
          id={onDataId}
          className="mt-0.5"
          checked={value.onSourceActivation}
          disabled={disabled}
          onCheckedChange={(checked) => onChange({ ...value, onSourceActivation: checked === true })}
        />
        <div className="space-y-0.5">
          <Label htmlFor={onDataId}>When new data is activated</Label>
          <p className="text-xs text-muted-foreground">
            Runs after an upload or roll back makes another version active.
          </p>
        </div>
      </div>
      {hasUpstream ? (
        <div className="flex items-start gap-3">
          <Checkbox
            id={upstreamId}
            className="mt-0.5"
            checked={value.afterUpstream}
            disabled={disabled}
            onCheckedChange={(checked) => onChange({ ...value, afterUpstream: checked === true })}
          />
          <div className="space-y-0.5">
            <Label htmlFor={upstreamId}>After the pipelines it reads from</Label>
            <p className="text-xs text-muted-foreground">
              Runs when a pipeline whose output it reads finishes a successful run; chained pipelines run in order.
            </p>
          </div>
        </div>
      ) : null}
      <div className="space-y-3 rounded-md border border-border p-3">
        <div className="flex items-center justify-between gap-3">
          <div className="space-y-0.5">
            <Label htmlFor={scheduleId}>On a schedule</Label>
            <p className="text-xs text-muted-foreground">A cron schedule in a time zone of your choice.</p>
          </div>
          <Switch
            id={scheduleId}
            checked={schedule !== null}
            disabled={disabled}
            onCheckedChange={(on) =>
              onChange({ ...value, schedule: on ? { cron: '0 6 * * 1-5', timeZone: browserZone() } : null })
            }
          />
        </div>
        {schedule ? (
          <div className="grid gap-3 sm:grid-cols-2">
            <FormField
              label="Cron expression"
              error={problem ?? undefined}
              hint="minute hour day-of-month month day-of-week"
            >
              {(control) => (
                <Input
                  {...control}
                  className="font-mono"
                  value={schedule.cron}
                  disabled={disabled}
                  spellCheck={false}
                  onChange={(e) => onChange({ ...value, schedule: { ...schedule, cron: e.target.value } })}
                />
              )}
            </FormField>
            <FormField label="Time zone">
              {(control) => (
                <Select
                  {...control}
                  value={schedule.timeZone}
                  disabled={disabled}
                  onChange={(e) => onChange({ ...value, schedule: { ...schedule, timeZone: e.target.value } })}
                >
                  {zones.includes(schedule.timeZone) ? null : (
                    <option value={schedule.timeZone}>{schedule.timeZone}</option>
                  )}
                  {zones.map((z) => (
                    <option key={z} value={z}>
                      {z}
                    </option>
                  ))}
                </Select>
              )}
            </FormField>
            {upcoming.length > 0 ? (
              <div className="text-[13px] sm:col-span-2" aria-live="polite">
                <p className="font-medium">{describeCron(schedule.cron)}</p>
                <p className="text-muted-foreground">
                  Next: {upcoming.map((d) => fmt(d, schedule.timeZone)).join(' · ')} ({schedule.timeZone})
                </p>
              </div>
            ) : null}
          </div>
        ) : null}
      </div>
    </div>
  );
}
