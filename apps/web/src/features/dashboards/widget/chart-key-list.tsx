import { cn } from '../../../lib/cn.ts';
import type { ChartKey } from '../lib/chart-key.ts';

/**
 * The parts of a chart its labels cannot name (`chartKey`), listed under it: a swatch of the
 * part's colour, its whole name (wrapped, never cut), its value and share. Columns as wide as
 * the box allows, one on a phone.
 */
export function ChartKeyList({ chartKey, label }: { chartKey: ChartKey; label: string }) {
  const shares = chartKey.items.some((item) => item.share !== undefined);
  return (
    <div data-chart-key className="shrink-0 px-2 pt-1.5 text-xs leading-4">
      {chartKey.title ? <p className="mb-1 font-medium text-foreground">{chartKey.title}</p> : null}
      <ul
        aria-label={chartKey.title ?? `${label}: key`}
        className={cn(
          'grid gap-x-5 gap-y-1',
          shares
            ? 'grid-cols-[repeat(auto-fill,minmax(15rem,1fr))]'
            : 'grid-cols-[repeat(auto-fill,minmax(11.5rem,1fr))]',
        )}
      >
        {chartKey.items.map((item) => (
          <li key={item.name} className={cn('flex items-start gap-1.5', item.faded && 'opacity-50')}>
            <span
              aria-hidden
              className="mt-[3px] size-2.5 shrink-0 rounded-[2px]"
              style={{ backgroundColor: item.color ?? 'currentColor' }}
            />
            <span className="min-w-0 flex-1 break-words text-muted-foreground">{item.name}</span>
            <span className="shrink-0 font-medium tabular-nums">{item.value}</span>
            {shares ? (
              <span className="w-11 shrink-0 text-right tabular-nums text-muted-foreground">{item.share}</span>
            ) : null}
          </li>
        ))}
      </ul>
    </div>
  );
}
