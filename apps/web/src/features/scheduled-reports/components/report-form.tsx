import { REPORT_FORMATS, type ScheduledReport, type ScheduledReportInput, WEEKDAYS } from '@cdp/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { X } from 'lucide-react';
import { type KeyboardEvent, useEffect, useMemo, useState } from 'react';
import { Alert } from '../../../components/ui/alert.tsx';
import { Dialog, DialogBody, DialogContent, FormDialogFooter } from '../../../components/ui/dialog.tsx';
import { FormError } from '../../../components/ui/form-error.tsx';
import { FormField } from '../../../components/ui/form-field.tsx';
import { Input } from '../../../components/ui/input.tsx';
import { Select } from '../../../components/ui/select.tsx';
import { Switch } from '../../../components/ui/switch.tsx';
import { Textarea } from '../../../components/ui/textarea.tsx';
import { toast } from '../../../components/ui/toaster.tsx';
import { ApiError, errorMessage } from '../../../lib/api-error.ts';
import { cn } from '../../../lib/cn.ts';
import { dashboardsQuery } from '../../dashboards/api/dashboards-api.ts';
import { reportKeys, saveReport, schedulePreviewQuery } from '../api/scheduled-reports-api.ts';
import {
  draftOf,
  errorAt,
  fieldErrors,
  looksLikeEmail,
  type ScheduleDraft,
  scheduleOf,
  timeZones,
  WEEKDAY_LABELS,
} from '../lib/schedule-form.ts';
import { type ReportContents, ReportContentsFields } from './report-contents.tsx';

const MONTH_DAYS = Array.from({ length: 31 }, (_, i) => i + 1);
const FORMAT_LABELS = { pdf: 'PDF', pptx: 'PowerPoint (.pptx)', xlsx: 'Excel (.xlsx)' } as const;

interface Draft {
  name: string;
  description: string;
  dashboardId: string;
  format: (typeof REPORT_FORMATS)[number];
  recipients: string[];
  cc: string[];
  subject: string;
  body: string;
  active: boolean;
}

function initial(report: ScheduledReport | null): Draft {
  return {
    name: report?.name ?? '',
    description: report?.description ?? '',
    dashboardId: report?.dashboardId ?? '',
    format: report?.format ?? 'pdf',
    recipients: report?.recipients ?? [],
    cc: report?.cc ?? [],
    subject: report?.subject ?? '{study}: {dashboard} for {date}',
    body: report?.body ?? '',
    active: report?.active ?? true,
  };
}

function contentsOf(report: ScheduledReport | null): ReportContents {
  return {
    pages: report?.pages ?? null,
    filters: report?.filters ?? [],
    options: (report?.options as ScheduledReportInput['options'] | undefined) ?? {
      paperSize: 'A4',
      orientation: 'landscape',
    },
  };
}

/** A debounced copy of a value: the preview asks the server once typing pauses. */
function useDebounced<T>(value: T, ms: number): T {
  const [current, setCurrent] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setCurrent(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return current;
}

/** Addresses as removable chips; Enter, comma, space or leaving the field adds what was typed. */
function EmailChips({
  label,
  values,
  onChange,
  error,
  required,
  hint,
}: {
  label: string;
  values: string[];
  onChange: (values: string[]) => void;
  error?: string;
  required?: boolean;
  hint?: string;
}) {
  const [text, setText] = useState('');
  const [problem, setProblem] = useState<string | undefined>();
  const commit = () => {
    const parts = text
      .split(/[\s,;]+/)
      .map((p) => p.trim())
      .filter(Boolean);
    if (parts.length === 0) return true;
    const bad = parts.find((p) => !looksLikeEmail(p));
    if (bad) {
      setProblem(`“${bad}” is not an e-mail address.`);
      return false;
    }
    onChange([...values, ...parts.filter((p) => !values.includes(p))]);
    setText('');
    setProblem(undefined);
    return true;
  };
  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'Enter' || event.key === ',' || event.key === ' ' || event.key === ';') {
      event.preventDefault();
      commit();
    } else if (event.key === 'Backspace' && text === '' && values.length > 0) {
      onChange(values.slice(0, -1));
    }
  };
  return (
    <FormField label={label} error={problem ?? error} required={required} optional={!required} hint={hint}>
      {(control) => (
        <div
          className={cn(
            'flex min-h-9 flex-wrap items-center gap-1.5 rounded-md border border-input bg-surface px-2 py-1 focus-within:outline-2 focus-within:outline-ring',
            (problem ?? error) && 'border-destructive',
          )}
        >
          {values.map((value) => (
            <span
              key={value}
              className="inline-flex max-w-full items-center gap-1 rounded-full bg-surface-sunken px-2 py-0.5 text-xs"
            >
              <span className="truncate">{value}</span>
              <button
                type="button"
                aria-label={`Remove ${value}`}
                className="rounded-full text-muted-foreground hover:text-foreground"
                onClick={() => onChange(values.filter((v) => v !== value))}
              >
                <X className="size-3" />
              </button>
            </span>
          ))}
          <input
            {...control}
            type="email"
            className="min-w-40 flex-1 bg-transparent py-1 text-sm outline-none"
            value={text}
            placeholder={values.length ? '' : 'name@example.org'}
            onChange={(event) => {
              setText(event.target.value);
              setProblem(undefined);
            }}
            onKeyDown={onKeyDown}
            onBlur={commit}
          />
        </div>
      )}
    </FormField>
  );
}

function SchedulePreview({ studyId, draft }: { studyId: string; draft: ScheduleDraft }) {
  const schedule = useDebounced(
    useMemo(() => scheduleOf(draft), [draft]),
    300,
  );
  const incomplete = schedule.type === 'weekly' && schedule.days.length === 0;
  const query = useQuery({ ...schedulePreviewQuery(studyId, schedule), enabled: !incomplete });
  return (
    <section aria-label="Next runs" className="rounded-md border border-border bg-surface-muted px-4 py-3 text-[13px]">
      {incomplete ? (
        <p className="text-muted-foreground">Pick at least one day to see the next runs.</p>
      ) : query.isPending ? (
        <p className="text-muted-foreground">Working out the next runs…</p>
      ) : query.isError ? (
        <p className="text-destructive">{errorMessage(query.error).replace(/^body\.schedule\.\w+: /, '')}</p>
      ) : (
        <>
          <p className="font-medium">{query.data.data.text}</p>
          <p className="mt-2 text-xs text-muted-foreground">Next five runs ({schedule.timeZone}):</p>
          <ol className="mt-1 space-y-0.5 tabular-nums">
            {query.data.data.runs.map((run) => (
              <li key={run.at}>
                <time dateTime={run.at}>{run.local}</time>
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}

function ScheduleBuilder({
  value,
  onChange,
  error,
}: {
  value: ScheduleDraft;
  onChange: (value: ScheduleDraft) => void;
  error?: string;
}) {
  const zones = useMemo(timeZones, []);
  const set = (patch: Partial<ScheduleDraft>) => onChange({ ...value, ...patch });
  return (
    <fieldset className="space-y-4">
      <legend className="mb-2 text-sm font-medium">Schedule</legend>
      <div className="grid gap-4 sm:grid-cols-2">
        <FormField label="Repeats">
          {(control) => (
            <Select
              {...control}
              value={value.type}
              onChange={(event) => set({ type: event.target.value as ScheduleDraft['type'] })}
            >
              <option value="daily">Every day</option>
              <option value="weekly">Weekly</option>
              <option value="monthly">Monthly</option>
              <option value="cron">Custom (cron)</option>
            </Select>
          )}
        </FormField>
        {value.type === 'cron' ? (
          <FormField
            label="Cron expression"
            error={error}
            hint="Five fields: minute hour day-of-month month day-of-week, e.g. 0 8 * * 1-5."
          >
            {(control) => (
              <Input
                {...control}
                className="font-mono"
                value={value.cron}
                onChange={(event) => set({ cron: event.target.value })}
              />
            )}
          </FormField>
        ) : (
          <FormField label="Time of day" error={error}>
            {(control) => (
              <Input
                {...control}
                type="time"
                value={value.time}
                onChange={(event) => set({ time: event.target.value })}
              />
            )}
          </FormField>
        )}
      </div>
      {value.type === 'weekly' ? (
        <fieldset aria-label="Days of the week" className="flex flex-wrap gap-1.5">
          {WEEKDAYS.map((day) => {
            const on = value.days.includes(day);
            return (
              <button
                key={day}
                type="button"
                aria-pressed={on}
                onClick={() => set({ days: on ? value.days.filter((d) => d !== day) : [...value.days, day] })}
                className={cn(
                  'h-8 w-12 rounded-md border text-[13px] font-medium transition-colors focus-visible:outline-2 focus-visible:outline-ring',
                  on
                    ? 'border-primary bg-primary text-primary-foreground'
                    : 'border-border bg-surface text-foreground hover:bg-surface-muted',
                )}
              >
                {WEEKDAY_LABELS[day]}
              </button>
            );
          })}
        </fieldset>
      ) : null}
      {value.type === 'monthly' ? (
        <FormField label="Day of the month" hint="A month without that day sends on its last day.">
          {(control) => (
            <Select
              {...control}
              className="sm:w-56"
              value={String(value.dayOfMonth)}
              onChange={(event) =>
                set({ dayOfMonth: event.target.value === 'last' ? 'last' : Number(event.target.value) })
              }
            >
              {MONTH_DAYS.map((day) => (
                <option key={day} value={day}>
                  Day {day}
                </option>
              ))}
              <option value="last">Last day of the month</option>
            </Select>
          )}
        </FormField>
      ) : null}
      <FormField label="Time zone" hint="The times above are read in this zone, daylight saving included.">
        {(control) => (
          <Select {...control} value={value.timeZone} onChange={(event) => set({ timeZone: event.target.value })}>
            {(zones.includes(value.timeZone) ? zones : [value.timeZone, ...zones]).map((zone) => (
              <option key={zone} value={zone}>
                {zone}
              </option>
            ))}
          </Select>
        )}
      </FormField>
    </fieldset>
  );
}

/** Create or edit a scheduled report; the server's field problems show beside the field they name. */
export function ReportFormDialog({
  studyId,
  report,
  open,
  onOpenChange,
}: {
  studyId: string;
  /** The report to edit; null to create one. */
  report: ScheduledReport | null;
  open: boolean;
  onOpenChange: (open: boolean) => void;
}) {
  const queryClient = useQueryClient();
  const dashboards = useQuery({ ...dashboardsQuery(studyId), enabled: open });
  const [draft, setDraft] = useState<Draft>(() => initial(report));
  const [schedule, setSchedule] = useState<ScheduleDraft>(() => draftOf(report?.schedule));
  const [contents, setContents] = useState<ReportContents>(() => contentsOf(report));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | undefined>();

  useEffect(() => {
    if (!open) return;
    setDraft(initial(report));
    setSchedule(draftOf(report?.schedule));
    setContents(contentsOf(report));
    setErrors({});
    setFormError(undefined);
  }, [open, report]);

  const set = (patch: Partial<Draft>) => setDraft((current) => ({ ...current, ...patch }));
  const list = dashboards.data?.data ?? [];
  useEffect(() => {
    const first = list[0];
    if (open && !report && !draft.dashboardId && first) setDraft((current) => ({ ...current, dashboardId: first.id }));
  }, [open, report, draft.dashboardId, list]);

  const mutation = useMutation({
    mutationFn: (body: ScheduledReportInput) => saveReport(studyId, report?.id ?? null, body),
    onSuccess: async ({ data }) => {
      await queryClient.invalidateQueries({ queryKey: reportKeys.list(studyId) });
      toast.success(report ? `Report “${data.name}” saved` : `Report “${data.name}” scheduled`);
      onOpenChange(false);
    },
    onError: (error) => {
      // Zod's issues carry string paths, the command's own checks array paths: read both.
      const raw = error instanceof ApiError ? (error.details as { issues?: unknown } | undefined)?.issues : undefined;
      const issues = (Array.isArray(raw) ? raw : []).filter(
        (i): i is { path: string | (string | number)[]; message: string } =>
          (typeof i?.path === 'string' || Array.isArray(i?.path)) && typeof i?.message === 'string',
      );
      const byField = fieldErrors(issues);
      setErrors(byField);
      const known = [
        'name',
        'description',
        'dashboardId',
        'format',
        'schedule',
        'pages',
        'filters',
        'options',
        'recipients',
        'cc',
        'subject',
        'body',
      ];
      const unmatched = Object.entries(byField).find(([path]) => !known.includes(path.split('.')[0] ?? ''));
      setFormError(issues.length === 0 ? errorMessage(error) : unmatched?.[1]);
    },
  });

  const submit = () => {
    const local: Record<string, string> = {};
    if (!draft.name.trim()) local.name = 'Give the report a name.';
    if (!draft.dashboardId) local.dashboardId = 'Pick a dashboard.';
    if (draft.recipients.length === 0) local.recipients = 'Add at least one recipient.';
    if (!draft.subject.trim()) local.subject = 'Give the e-mail a subject.';
    if (schedule.type === 'weekly' && schedule.days.length === 0) local.schedule = 'Pick at least one day of the week.';
    if (contents.pages?.length === 0) local.pages = 'Pick at least one page.';
    setErrors(local);
    setFormError(undefined);
    if (Object.keys(local).length > 0) return;
    mutation.mutate({
      name: draft.name,
      description: draft.description,
      dashboardId: draft.dashboardId,
      format: draft.format,
      schedule: scheduleOf(schedule),
      options: contents.options,
      filters: contents.filters,
      ...(contents.pages ? { pages: contents.pages } : {}),
      recipients: draft.recipients,
      cc: draft.cc,
      subject: draft.subject,
      body: draft.body,
      active: draft.active,
    });
  };

  return (
    <Dialog open={open} onOpenChange={(next) => !mutation.isPending && onOpenChange(next)}>
      <DialogContent
        title={report ? `Edit “${report.name}”` : 'New scheduled report'}
        description="A dashboard e-mailed on a schedule. It runs with your access to the study."
        size="lg"
      >
        <form
          noValidate
          className="contents"
          onSubmit={(event) => {
            event.preventDefault();
            submit();
          }}
        >
          <DialogBody>
            <FormField label="Name" required error={errors.name}>
              {(control) => (
                <Input
                  {...control}
                  value={draft.name}
                  maxLength={200}
                  onChange={(e) => set({ name: e.target.value })}
                />
              )}
            </FormField>
            <FormField label="Description" optional error={errors.description}>
              {(control) => (
                <Textarea
                  {...control}
                  rows={2}
                  value={draft.description}
                  onChange={(e) => set({ description: e.target.value })}
                />
              )}
            </FormField>
            <div className="grid gap-4 sm:grid-cols-2">
              <FormField label="Dashboard" required error={errors.dashboardId}>
                {(control) => (
                  <Select
                    {...control}
                    value={draft.dashboardId}
                    onChange={(e) => {
                      set({ dashboardId: e.target.value });
                      // Pages and filters belong to a dashboard: another one starts from all pages, no filters.
                      setContents((current) => ({ ...current, pages: null, filters: [] }));
                    }}
                    disabled={dashboards.isPending}
                  >
                    {draft.dashboardId ? null : (
                      <option value="">{dashboards.isPending ? 'Loading…' : 'Select'}</option>
                    )}
                    {list.map((d) => (
                      <option key={d.id} value={d.id}>
                        {d.name}
                      </option>
                    ))}
                  </Select>
                )}
              </FormField>
              <FormField label="Format" required error={errors.format}>
                {(control) => (
                  <Select
                    {...control}
                    value={draft.format}
                    onChange={(e) => set({ format: e.target.value as Draft['format'] })}
                  >
                    {REPORT_FORMATS.map((f) => (
                      <option key={f} value={f}>
                        {FORMAT_LABELS[f]}
                      </option>
                    ))}
                  </Select>
                )}
              </FormField>
            </div>
            <ReportContentsFields
              studyId={studyId}
              dashboardId={draft.dashboardId}
              format={draft.format}
              value={contents}
              onChange={setContents}
              errors={{
                pages: errorAt(errors, 'pages'),
                filters: errorAt(errors, 'filters'),
                options: errorAt(errors, 'options'),
              }}
            />
            <ScheduleBuilder value={schedule} onChange={setSchedule} error={errorAt(errors, 'schedule')} />
            <SchedulePreview studyId={studyId} draft={schedule} />
            <Alert tone="info" title="Mailed reports mask PHI" data-testid="report-phi-note">
              E-mail is not access-controlled, so the mailed file always shows protected health information masked
              (dates as their year, text as [PHI]), whoever saves the report. To see PHI in clear, export the dashboard
              while signed in.
            </Alert>
            <EmailChips
              label="Recipients"
              required
              values={draft.recipients}
              onChange={(recipients) => {
                set({ recipients });
                setErrors((all) =>
                  Object.fromEntries(Object.entries(all).filter(([k]) => !k.startsWith('recipients'))),
                );
              }}
              error={errorAt(errors, 'recipients')}
              hint="Press Enter or comma after each address."
            />
            <EmailChips label="Cc" values={draft.cc} onChange={(cc) => set({ cc })} error={errorAt(errors, 'cc')} />
            <FormField
              label="Subject"
              required
              error={errors.subject}
              hint="Placeholders: {study}, {dashboard}, {date}."
            >
              {(control) => (
                <Input
                  {...control}
                  value={draft.subject}
                  maxLength={300}
                  onChange={(e) => set({ subject: e.target.value })}
                />
              )}
            </FormField>
            <FormField label="Message" optional error={errors.body} hint="Placeholders: {study}, {dashboard}, {date}.">
              {(control) => (
                <Textarea {...control} rows={4} value={draft.body} onChange={(e) => set({ body: e.target.value })} />
              )}
            </FormField>
            <div className="flex items-center gap-3 text-sm">
              <Switch
                id="report-active"
                checked={draft.active}
                onCheckedChange={(active) => set({ active })}
                aria-label="Active"
              />
              <label htmlFor="report-active">Active: send on schedule</label>
            </div>
            <FormError message={formError} />
          </DialogBody>
          <FormDialogFooter
            submitLabel={report ? 'Save report' : 'Schedule report'}
            pending={mutation.isPending}
            onCancel={() => onOpenChange(false)}
          />
        </form>
      </DialogContent>
    </Dialog>
  );
}
