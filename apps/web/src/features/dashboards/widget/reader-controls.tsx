import type { WidgetControl } from '@cdp/contracts';
import { ChevronDown, SlidersHorizontal } from 'lucide-react';
import { useId, useState } from 'react';
import { Button } from '../../../components/ui/button.tsx';
import { Checkbox } from '../../../components/ui/checkbox.tsx';
import { Popover, PopoverContent, PopoverTrigger } from '../../../components/ui/popover.tsx';
import { Select } from '../../../components/ui/select.tsx';
import { cn } from '../../../lib/cn.ts';
import type { ReaderOptions } from '../lib/reader-options.ts';

interface ReaderControlsProps {
  /** What the widget's answer offers (`controls`), with the values its data hold. */
  controls: WidgetControl[];
  /** The reader's choices now (from the URL); an option not in it reads as the answer says. */
  value: ReaderOptions;
  onChange: (next: ReaderOptions) => void;
}

const chosen = (control: WidgetControl) => control.selected.length > 0;

/**
 * The choices a reader makes on the widget itself (the AE explorer's seriousness, severity,
 * relatedness and outcome), behind one button so the widget's header stays one line at 390 px.
 * Each choice goes to the URL: a shared link and a reload keep it; the answer's note names it.
 */
export function ReaderControls({ controls, value, onChange }: ReaderControlsProps) {
  const [open, setOpen] = useState(false);
  const active = controls.filter(chosen).length;
  const set = (option: string, next: unknown) => onChange({ ...value, [option]: next });
  const clear = () => onChange(Object.fromEntries(controls.map((c) => [c.option, c.multiple ? [] : 'all'])));
  return (
    <Popover open={open} onOpenChange={setOpen}>
      <PopoverTrigger asChild>
        <Button
          variant="secondary"
          size="sm"
          data-reader-controls
          className={cn(
            'h-7 shrink-0 px-2 text-xs',
            active > 0 && 'border-teal-300 bg-primary-soft text-primary-soft-foreground hover:bg-teal-100/60',
          )}
        >
          <SlidersHorizontal aria-hidden />
          <span>{active > 0 ? `Events: ${active} filter${active === 1 ? '' : 's'}` : 'Filter events'}</span>
          <ChevronDown className="opacity-60" aria-hidden />
        </Button>
      </PopoverTrigger>
      <PopoverContent align="end" className="max-h-[70vh] w-72 overflow-auto p-3" aria-label="Filter events">
        <div className="space-y-3">
          {controls.map((control) =>
            control.multiple ? (
              <ValuesControl key={control.option} control={control} onChange={(next) => set(control.option, next)} />
            ) : (
              <SingleControl key={control.option} control={control} onChange={(next) => set(control.option, next)} />
            ),
          )}
          <div className="flex justify-end gap-2 border-t border-border pt-2">
            <Button variant="ghost" size="sm" onClick={clear} disabled={active === 0}>
              Clear
            </Button>
            <Button size="sm" onClick={() => setOpen(false)}>
              Done
            </Button>
          </div>
        </div>
      </PopoverContent>
    </Popover>
  );
}

function SingleControl({ control, onChange }: { control: WidgetControl; onChange: (next: string) => void }) {
  const id = useId();
  return (
    <div className="space-y-1">
      <label htmlFor={id} className="text-xs font-medium">
        {control.label}
      </label>
      <Select
        id={id}
        className="h-8 w-full text-xs"
        value={control.selected[0] ?? 'all'}
        onChange={(event) => onChange(event.target.value)}
      >
        <option value="all">All events</option>
        {control.values.map((v) => (
          <option key={v.value} value={v.value}>
            {v.label}
          </option>
        ))}
      </Select>
    </div>
  );
}

function ValuesControl({ control, onChange }: { control: WidgetControl; onChange: (next: string[]) => void }) {
  const id = useId();
  const key = (v: string) => v.trim().toUpperCase();
  const selected = new Set(control.selected.map(key));
  const toggle = (value: string) =>
    onChange(
      selected.has(key(value)) ? control.selected.filter((s) => key(s) !== key(value)) : [...control.selected, value],
    );
  return (
    <fieldset className="space-y-1">
      <legend className="text-xs font-medium">
        {control.label}
        <span className="font-normal text-muted-foreground">
          {selected.size === 0 ? ' · all' : ` · ${selected.size} chosen`}
        </span>
      </legend>
      {control.values.length === 0 ? (
        <p className="text-xs text-muted-foreground">No values in the data.</p>
      ) : (
        control.values.map((v, i) => (
          <div key={v.value} className="flex items-center gap-2 text-xs">
            <Checkbox id={`${id}-${i}`} checked={selected.has(key(v.value))} onCheckedChange={() => toggle(v.value)} />
            <label htmlFor={`${id}-${i}`} className="cursor-pointer truncate">
              {v.label}
            </label>
          </div>
        ))
      )}
    </fieldset>
  );
}
