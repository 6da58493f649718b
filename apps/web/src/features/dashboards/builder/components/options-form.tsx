import { useState } from 'react';
import { Checkbox } from '../../../../components/ui/checkbox.tsx';
import { FormField } from '../../../../components/ui/form-field.tsx';
import { Input } from '../../../../components/ui/input.tsx';
import { Select } from '../../../../components/ui/select.tsx';
import { Switch } from '../../../../components/ui/switch.tsx';
import { Textarea } from '../../../../components/ui/textarea.tsx';
import { matchesJsonType, type OptionControl } from '../lib/options-schema.ts';

interface OptionsFormProps {
  controls: OptionControl[];
  options: Record<string, unknown>;
  onChange: (key: string, value: unknown) => void;
}

const SMALL = 'h-8 text-[13px]';

/** The widget type's options, one control per property of its JSON Schema. */
export function OptionsForm({ controls, options, onChange }: OptionsFormProps) {
  if (controls.length === 0) return <p className="text-xs text-muted-foreground">This widget has no options.</p>;
  return (
    <div className="space-y-4">
      {controls.map((control) => {
        const value = control.key in options ? options[control.key] : control.defaultValue;
        return (
          <OptionField key={control.key} control={control} value={value} onChange={(v) => onChange(control.key, v)} />
        );
      })}
    </div>
  );
}

function OptionField({
  control,
  value,
  onChange,
}: {
  control: OptionControl;
  value: unknown;
  onChange: (value: unknown) => void;
}) {
  switch (control.kind) {
    case 'boolean':
      return <BooleanField control={control} value={value === true} onChange={onChange} />;
    case 'enum':
      return (
        <FormField label={control.label} hint={control.description}>
          {(props) => (
            <Select
              {...props}
              value={value === undefined || value === null ? '' : String(value)}
              onChange={(event) => {
                const raw = event.target.value;
                if (raw === '') return onChange(null);
                onChange(control.choices.find((choice) => String(choice) === raw) ?? raw);
              }}
              className="[&_select]:h-8 [&_select]:text-[13px]"
            >
              {value === undefined || value === null ? (
                <option value="">{control.nullable ? 'None' : 'Choose…'}</option>
              ) : null}
              {control.choices.map((choice) => (
                <option key={String(choice)} value={String(choice)}>
                  {String(choice)}
                </option>
              ))}
            </Select>
          )}
        </FormField>
      );
    case 'text':
      return (
        <FormField label={control.label} hint={control.description}>
          {(props) => (
            <Input
              {...props}
              className={SMALL}
              value={typeof value === 'string' ? value : ''}
              onChange={(event) => onChange(event.target.value === '' && control.nullable ? null : event.target.value)}
            />
          )}
        </FormField>
      );
    case 'number':
      return <NumberField control={control} value={typeof value === 'number' ? value : null} onChange={onChange} />;
    case 'tags':
      return <TagsField control={control} value={Array.isArray(value) ? value.map(String) : []} onChange={onChange} />;
    case 'numbers':
      return (
        <NumbersField
          control={control}
          value={Array.isArray(value) ? value.filter((v): v is number => typeof v === 'number') : []}
          onChange={onChange}
        />
      );
    case 'choices':
      return (
        <ChoicesField control={control} value={Array.isArray(value) ? value.map(String) : []} onChange={onChange} />
      );
    case 'json':
      return <JsonField control={control} value={value} onChange={onChange} />;
  }
}

function BooleanField({
  control,
  value,
  onChange,
}: {
  control: OptionControl;
  value: boolean;
  onChange: (value: boolean) => void;
}) {
  const id = `option-${control.key}`;
  return (
    <div className="flex items-start justify-between gap-3">
      <div className="space-y-0.5">
        <label htmlFor={id} className="text-[13px] font-medium">
          {control.label}
        </label>
        {control.description ? <p className="text-xs text-muted-foreground">{control.description}</p> : null}
      </div>
      <Switch id={id} checked={value} onCheckedChange={onChange} className="mt-0.5" />
    </div>
  );
}

/**
 * A text draft beside the stored value: what is typed stays as typed ("1." on the way to "1.5", a
 * JSON object half written) while the stored value takes what parses; a change from elsewhere (an
 * undo) replaces the draft.
 */
function useDraft<T>(value: T, format: (value: T) => string) {
  const formatted = format(value);
  const [state, setState] = useState<{ draft: string; synced: string; error?: string }>({
    draft: formatted,
    synced: formatted,
  });
  if (formatted !== state.synced) setState({ draft: formatted, synced: formatted });
  return {
    draft: state.draft,
    error: state.error,
    /** The text parsed to `next`, which is being stored. */
    accept: (text: string, next: T) => setState({ draft: text, synced: format(next) }),
    /** The text does not parse: keep it, say why, store nothing. */
    reject: (text: string, error: string) => setState((s) => ({ ...s, draft: text, error })),
  };
}

function NumberField({
  control,
  value,
  onChange,
}: {
  control: Extract<OptionControl, { kind: 'number' }>;
  value: number | null;
  onChange: (value: number | null) => void;
}) {
  const { draft, error, accept, reject } = useDraft(value, (v) => (v === null ? '' : String(v)));
  const commit = (text: string) => {
    if (text.trim() === '') {
      if (!control.nullable) return reject(text, 'Enter a number.');
      accept(text, null);
      return onChange(null);
    }
    const parsed = Number(text);
    if (!Number.isFinite(parsed)) return reject(text, 'Enter a number.');
    if (control.integer && !Number.isInteger(parsed)) return reject(text, 'Enter a whole number.');
    if (control.min !== undefined && parsed < control.min) return reject(text, `Enter ${control.min} or more.`);
    if (control.max !== undefined && parsed > control.max) return reject(text, `Enter ${control.max} or less.`);
    accept(text, parsed);
    onChange(parsed);
  };
  return (
    <FormField label={control.label} hint={control.description} error={error}>
      {(props) => (
        <Input
          {...props}
          type="number"
          inputMode={control.integer ? 'numeric' : 'decimal'}
          step={control.integer ? 1 : 'any'}
          min={control.min}
          max={control.max}
          className={SMALL}
          value={draft}
          onChange={(event) => commit(event.target.value)}
        />
      )}
    </FormField>
  );
}

const formatTags = (tags: string[]) => tags.join(', ');

function TagsField({
  control,
  value,
  onChange,
}: {
  control: OptionControl;
  value: string[];
  onChange: (value: string[]) => void;
}) {
  const { draft, accept } = useDraft(value, formatTags);
  return (
    <FormField label={control.label} hint={control.description ?? 'Separate values with commas.'}>
      {(props) => (
        <Input
          {...props}
          className={SMALL}
          value={draft}
          onChange={(event) => {
            const tags = event.target.value
              .split(',')
              .map((tag) => tag.trim())
              .filter(Boolean);
            accept(event.target.value, tags);
            if (formatTags(tags) !== formatTags(value)) onChange(tags);
          }}
        />
      )}
    </FormField>
  );
}

function NumbersField({
  control,
  value,
  onChange,
}: {
  control: Extract<OptionControl, { kind: 'numbers' }>;
  value: number[];
  onChange: (value: number[]) => void;
}) {
  const { draft, error, accept, reject } = useDraft(value, (numbers) => numbers.join(', '));
  const commit = (text: string) => {
    const parts = text
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean);
    const numbers = parts.map(Number);
    const bad = parts.find((_, n) => {
      const number = numbers[n] ?? Number.NaN;
      return !Number.isFinite(number) || (control.integer && !Number.isInteger(number));
    });
    if (bad !== undefined) return reject(text, `“${bad}” is not ${control.integer ? 'a whole number' : 'a number'}.`);
    accept(text, numbers);
    if (numbers.join(',') !== value.join(',')) onChange(numbers);
  };
  return (
    <FormField label={control.label} hint={control.description ?? 'Separate numbers with commas.'} error={error}>
      {(props) => (
        <Input
          {...props}
          inputMode="decimal"
          className={SMALL}
          value={draft}
          onChange={(event) => commit(event.target.value)}
        />
      )}
    </FormField>
  );
}

function ChoicesField({
  control,
  value,
  onChange,
}: {
  control: Extract<OptionControl, { kind: 'choices' }>;
  value: string[];
  onChange: (value: string[]) => void;
}) {
  return (
    <fieldset className="space-y-2">
      <legend className="text-[13px] font-medium">{control.label}</legend>
      {control.description ? <p className="text-xs text-muted-foreground">{control.description}</p> : null}
      <div className="grid grid-cols-2 gap-x-3 gap-y-1.5">
        {control.choices.map((choice) => {
          const id = `option-${control.key}-${choice}`;
          return (
            <div key={choice} className="flex items-center gap-2">
              <Checkbox
                id={id}
                checked={value.includes(choice)}
                onCheckedChange={(checked) =>
                  onChange(
                    checked === true
                      ? control.choices.filter((c) => c === choice || value.includes(c))
                      : value.filter((c) => c !== choice),
                  )
                }
              />
              <label htmlFor={id} className="truncate text-[13px]">
                {choice}
              </label>
            </div>
          );
        })}
      </div>
    </fieldset>
  );
}

const formatJson = (value: unknown) => (value === undefined ? '' : JSON.stringify(value, null, 2));

function JsonField({
  control,
  value,
  onChange,
}: {
  control: Extract<OptionControl, { kind: 'json' }>;
  value: unknown;
  onChange: (value: unknown) => void;
}) {
  const { draft, error, accept, reject } = useDraft(value, formatJson);
  const commit = (text: string) => {
    if (text.trim() === '') {
      accept(text, undefined);
      return onChange(undefined);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (caught) {
      return reject(text, `Not valid JSON: ${caught instanceof Error ? caught.message : 'check the syntax'}.`);
    }
    if (!matchesJsonType(control.schema, parsed)) return reject(text, `Expected ${describeType(control.schema)}.`);
    accept(text, parsed);
    onChange(parsed);
  };
  return (
    <FormField label={control.label} hint={control.description ?? 'JSON'} error={error}>
      {(props) => (
        <Textarea
          {...props}
          rows={4}
          spellCheck={false}
          className="font-mono text-xs"
          value={draft}
          onChange={(event) => commit(event.target.value)}
        />
      )}
    </FormField>
  );
}

function describeType(schema: Record<string, unknown>): string {
  const type = typeof schema.type === 'string' ? schema.type : 'a value';
  if (type === 'object') return 'an object ({ … })';
  if (type === 'array') return 'a list ([ … ])';
  return `a ${type}`;
}
