import { cn } from '../../lib/cn.ts';
import { initials } from '../../lib/format.ts';

const sizes = { sm: 'size-7 text-[11px]', md: 'size-8 text-xs', lg: 'size-12 text-base' } as const;

export function Avatar({
  name,
  size = 'md',
  className,
}: {
  name: string;
  size?: keyof typeof sizes;
  className?: string;
}) {
  return (
    <span
      aria-hidden
      className={cn(
        'inline-flex shrink-0 items-center justify-center rounded-full bg-gradient-to-br from-teal-600 to-teal-800 font-semibold text-white ring-1 ring-black/5',
        sizes[size],
        className,
      )}
    >
      {initials(name)}
    </span>
  );
}
