import { CreateWebhookRequest, type WebhookEndpoint } from '@cdp/contracts';
import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { Controller, useForm } from 'react-hook-form';
import type { z } from 'zod';
import { Checkbox } from '../../../components/ui/checkbox.tsx';
import { Dialog, DialogBody, DialogContent, FormDialogFooter } from '../../../components/ui/dialog.tsx';
import { FormError } from '../../../components/ui/form-error.tsx';
import { FormField } from '../../../components/ui/form-field.tsx';
import { Input } from '../../../components/ui/input.tsx';
import { Skeleton } from '../../../components/ui/skeleton.tsx';
import { toast } from '../../../components/ui/toaster.tsx';
import { applyServerErrors } from '../../../lib/form-errors.ts';
import { createWebhook, updateWebhook, webhookEventTypesQuery, webhookKeys } from '../api/webhooks-api.ts';

type Values = z.input<typeof CreateWebhookRequest>;
type Output = z.output<typeof CreateWebhookRequest>;

interface EndpointFormDialogProps {
  /** The endpoint to edit; absent to add one. */
  endpoint?: WebhookEndpoint;
  open: boolean;
  onOpenChange: (open: boolean) => void;
  /** A new endpoint's secret, to show once. */
  onCreated: (url: string, secret: string) => void;
}

function valuesOf(endpoint?: WebhookEndpoint): Values {
  return endpoint
    ? { url: endpoint.url, description: endpoint.description, events: endpoint.events as Values['events'] }
    : { url: 'https://', description: '', events: [] };
}

export function EndpointFormDialog({ endpoint, open, onOpenChange, onCreated }: EndpointFormDialogProps) {
  const queryClient = useQueryClient();
  const eventTypes = useQuery(webhookEventTypesQuery);
  const form = useForm<Values, unknown, Output>({
    resolver: zodResolver(CreateWebhookRequest),
    defaultValues: valuesOf(endpoint),
  });
  const { reset } = form;
  useEffect(() => {
    if (open) reset(valuesOf(endpoint));
  }, [open, reset, endpoint]);

  const mutation = useMutation({
    mutationFn: async (values: Output) => {
      if (endpoint) {
        await updateWebhook(endpoint.id, { url: values.url, description: values.description, events: values.events });
        return null;
      }
      return createWebhook(values);
    },
    onSuccess: async (created) => {
      await queryClient.invalidateQueries({ queryKey: webhookKeys.all });
      onOpenChange(false);
      if (created) onCreated(created.data.url, created.secret);
      else toast.success('Endpoint saved');
    },
    onError: (error) => applyServerErrors(form, error),
  });
  const { errors } = form.formState;

  return (
    <Dialog open={open} onOpenChange={(next) => !mutation.isPending && onOpenChange(next)}>
      <DialogContent
        title={endpoint ? 'Edit endpoint' : 'Add endpoint'}
        description="CDP sends a signed POST to this HTTPS address for each event you choose."
        size="lg"
      >
        <form onSubmit={form.handleSubmit((values) => mutation.mutate(values))} noValidate className="contents">
          <DialogBody>
            <FormField
              label="Endpoint URL"
              error={errors.url?.message}
              required
              hint="HTTPS only. Private, loopback and link-local addresses are refused."
            >
              {(control) => (
                <Input
                  {...control}
                  {...form.register('url')}
                  autoFocus
                  className="font-mono"
                  spellCheck={false}
                  autoComplete="off"
                  inputMode="url"
                />
              )}
            </FormField>
            <FormField label="Description" error={errors.description?.message} optional>
              {(control) => (
                <Input {...control} {...form.register('description')} placeholder="e.g. Data warehouse loader" />
              )}
            </FormField>
            <fieldset className="space-y-2">
              <legend className="text-[13px] font-medium">Events</legend>
              {eventTypes.isPending ? (
                <Skeleton className="h-24" />
              ) : (
                <Controller
                  control={form.control}
                  name="events"
                  render={({ field }) => (
                    <div className="space-y-2 rounded-md border border-border p-3">
                      {(eventTypes.data?.data ?? []).map((event) => {
                        const checked = field.value.includes(event.type as Values['events'][number]);
                        const id = `event-${event.type}`;
                        return (
                          <div key={event.type} className="flex items-start gap-2.5">
                            <Checkbox
                              id={id}
                              checked={checked}
                              onCheckedChange={(next) =>
                                field.onChange(
                                  next
                                    ? [...field.value, event.type]
                                    : field.value.filter((value) => value !== event.type),
                                )
                              }
                              className="mt-0.5"
                            />
                            <label htmlFor={id} className="min-w-0 text-[13px]">
                              <span className="font-mono font-medium">{event.type}</span>
                              <span className="block text-muted-foreground">{event.label}</span>
                            </label>
                          </div>
                        );
                      })}
                    </div>
                  )}
                />
              )}
              {errors.events ? (
                <p className="text-[13px] text-destructive">{errors.events.message ?? errors.events.root?.message}</p>
              ) : null}
            </fieldset>
            <FormError message={errors.root?.server?.message} />
          </DialogBody>
          <FormDialogFooter
            submitLabel={endpoint ? 'Save changes' : 'Add endpoint'}
            pending={mutation.isPending}
            onCancel={() => onOpenChange(false)}
          />
        </form>
      </DialogContent>
    </Dialog>
  );
}
