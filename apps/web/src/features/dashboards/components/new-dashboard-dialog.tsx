import { DASHBOARD_SCHEMA_VERSION, type DashboardTemplate } from '@cdp/contracts';
import { zodResolver } from '@hookform/resolvers/zod';
import { useQuery } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { FileBox, LayoutTemplate } from 'lucide-react';
import { useEffect } from 'react';
import { useForm } from 'react-hook-form';
import { z } from 'zod';
import { Dialog, DialogBody, DialogContent, FormDialogFooter } from '../../../components/ui/dialog.tsx';
import { FormError } from '../../../components/ui/form-error.tsx';
import { FormField } from '../../../components/ui/form-field.tsx';
import { Input } from '../../../components/ui/input.tsx';
import { Skeleton } from '../../../components/ui/skeleton.tsx';
import { toast } from '../../../components/ui/toaster.tsx';
import { errorMessage } from '../../../lib/api-error.ts';
import { cn } from '../../../lib/cn.ts';
import { applyServerErrors } from '../../../lib/form-errors.ts';
import { plural } from '../../../lib/format.ts';
import { templatesQuery, useCreateDashboard } from '../api/dashboards-api.ts';

const BLANK = 'blank';

/** A blank dashboard: one empty page, no filters, ready for the builder. */
const BLANK_DOCUMENT = {
  schemaVersion: DASHBOARD_SCHEMA_VERSION,
  filters: [],
  pages: [{ id: 'overview', title: 'Overview', layout: [], widgets: {} }],
};

const Values = z.object({ name: z.string().trim().min(1).max(200), templateId: z.string().min(1) });
type Values = z.infer<typeof Values>;

interface NewDashboardDialogProps {
  studyId: string;
  open: boolean;
  onOpenChange: (open: boolean) => void;
}

/** Names a new dashboard and picks what it starts from: a template (with its pages and widgets) or a blank page. */
export function NewDashboardDialog({ studyId, open, onOpenChange }: NewDashboardDialogProps) {
  const navigate = useNavigate();
  const templates = useQuery({ ...templatesQuery, enabled: open });
  const mutation = useCreateDashboard(studyId);
  const form = useForm<Values>({ resolver: zodResolver(Values), defaultValues: { name: '', templateId: '' } });
  const { reset, setValue, getValues, watch } = form;
  const items = templates.data?.data ?? [];
  const first = items[0];

  useEffect(() => {
    if (open) reset({ name: '', templateId: '' });
  }, [open, reset]);
  // The first template is the usual start; its name is a fine first name for the dashboard.
  useEffect(() => {
    if (!open || getValues('templateId') || !templates.isFetched) return;
    setValue('templateId', first?.id ?? BLANK);
    if (first && !getValues('name')) setValue('name', first.name);
  }, [open, first, templates.isFetched, getValues, setValue]);

  const pick = (id: string, template?: DashboardTemplate) => {
    const previous = items.find((t) => t.id === getValues('templateId'));
    const name = getValues('name').trim();
    setValue('templateId', id, { shouldValidate: true });
    // Follow the template while the name is still the previous template's (the user has not typed one).
    if (!name || name === previous?.name) setValue('name', template?.name ?? '');
  };

  const submit = form.handleSubmit((values) =>
    mutation.mutate(
      values.templateId === BLANK
        ? { name: values.name, document: BLANK_DOCUMENT }
        : { name: values.name, templateId: values.templateId },
      {
        onSuccess: async ({ data: dashboard }) => {
          toast.success(`Dashboard “${dashboard.name}” created`);
          onOpenChange(false);
          await navigate({
            to: '/studies/$studyId/dashboards/$dashboardId',
            params: { studyId, dashboardId: dashboard.id },
          });
        },
        onError: (error) => applyServerErrors(form, error),
      },
    ),
  );
  const selected = watch('templateId');
  const { errors } = form.formState;

  return (
    <Dialog open={open} onOpenChange={(next) => !mutation.isPending && onOpenChange(next)}>
      <DialogContent
        title="New dashboard"
        description="Start from a template and adjust it in the builder, or from a blank page."
        size="lg"
      >
        <form onSubmit={submit} noValidate className="contents">
          <DialogBody>
            <FormField label="Name" error={errors.name?.message} required>
              {(control) => (
                <Input {...control} {...form.register('name')} autoComplete="off" placeholder="e.g. Safety review" />
              )}
            </FormField>
            <fieldset className="space-y-2">
              <legend className="mb-2 text-[13px] font-medium">Start from</legend>
              {templates.isPending && open ? (
                <div className="space-y-2" role="status" aria-label="Loading templates">
                  <Skeleton className="h-20 rounded-lg" />
                  <Skeleton className="h-14 rounded-lg" />
                </div>
              ) : (
                <div className="grid gap-2">
                  {templates.isError ? (
                    <FormError message={`The templates could not be loaded: ${errorMessage(templates.error)}`} />
                  ) : null}
                  {items.map((template) => (
                    <Choice
                      key={template.id}
                      checked={selected === template.id}
                      onSelect={() => pick(template.id, template)}
                      icon={LayoutTemplate}
                      title={template.name}
                      badge={template.scope === 'organization' ? 'Your organization' : null}
                      description={template.description}
                      detail={`${template.pages.map((p) => p.title).join(' · ')} — ${plural(
                        template.pages.reduce((sum, p) => sum + p.widgets, 0),
                        'widget',
                      )}`}
                    />
                  ))}
                  <Choice
                    checked={selected === BLANK}
                    onSelect={() => pick(BLANK)}
                    icon={FileBox}
                    title="Blank"
                    description="One empty page: add widgets and filters in the builder."
                  />
                </div>
              )}
            </fieldset>
            <FormError message={errors.root?.server?.message ?? errors.templateId?.message} />
          </DialogBody>
          <FormDialogFooter
            submitLabel="Create dashboard"
            pending={mutation.isPending}
            onCancel={() => onOpenChange(false)}
          />
        </form>
      </DialogContent>
    </Dialog>
  );
}

interface ChoiceProps {
  checked: boolean;
  onSelect: () => void;
  icon: typeof LayoutTemplate;
  title: string;
  description: string;
  detail?: string;
  badge?: string | null;
}

function Choice({ checked, onSelect, icon: Icon, title, description, detail, badge }: ChoiceProps) {
  return (
    <label
      className={cn(
        'relative flex cursor-pointer gap-3 rounded-lg border p-3.5 transition-colors has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-offset-2 has-[:focus-visible]:outline-ring',
        checked
          ? 'border-primary bg-primary-soft/60'
          : 'border-border hover:border-border-strong hover:bg-surface-muted',
      )}
    >
      {/* Invisible but covering the card, so a click anywhere on it is a click on the radio. */}
      <input
        type="radio"
        name="template"
        className="absolute inset-0 size-full cursor-pointer appearance-none rounded-lg opacity-0"
        checked={checked}
        onChange={onSelect}
      />
      <span
        className={cn(
          'flex size-9 shrink-0 items-center justify-center rounded-md border',
          checked ? 'border-teal-200 bg-surface text-primary' : 'border-border bg-surface-muted text-muted-foreground',
        )}
        aria-hidden
      >
        <Icon className="size-4" />
      </span>
      <span className="min-w-0 space-y-0.5">
        <span className="flex items-center gap-2 text-[13px] font-semibold">
          {title}
          {badge ? (
            <span className="rounded-full bg-slate-100 px-1.5 py-px text-[11px] font-medium text-slate-600">
              {badge}
            </span>
          ) : null}
        </span>
        <span className="block text-xs leading-relaxed text-muted-foreground">{description}</span>
        {detail ? <span className="block text-xs text-subtle-foreground">{detail}</span> : null}
      </span>
    </label>
  );
}
