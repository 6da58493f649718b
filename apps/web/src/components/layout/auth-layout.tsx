import type { ReactNode } from 'react';
import { Wordmark } from './logo.tsx';

/** The centered card used by sign-in and password screens. */
export function AuthLayout({
  title,
  description,
  children,
  footer,
}: {
  title: string;
  description?: ReactNode;
  children: ReactNode;
  footer?: ReactNode;
}) {
  return (
    <div className="relative flex min-h-dvh flex-col items-center justify-center overflow-hidden bg-surface-muted px-4 py-10">
      <div
        aria-hidden
        className="pointer-events-none absolute inset-0 bg-[radial-gradient(60rem_30rem_at_50%_-10%,rgb(13_148_136/0.10),transparent_70%)]"
      />
      <div
        aria-hidden
        className="pointer-events-none absolute inset-0 bg-[linear-gradient(to_right,rgb(15_23_42/0.035)_1px,transparent_1px),linear-gradient(to_bottom,rgb(15_23_42/0.035)_1px,transparent_1px)] bg-[size:32px_32px] [mask-image:radial-gradient(ellipse_at_top,black_30%,transparent_75%)]"
      />
      <main className="relative w-full max-w-[400px]">
        <Wordmark className="mb-8 justify-center" />
        <div className="rounded-xl border border-border bg-surface p-6 shadow-overlay sm:p-8">
          <div className="mb-6 space-y-1.5">
            <h1 className="text-lg font-semibold tracking-tight">{title}</h1>
            {description ? (
              <div className="text-[13px] leading-relaxed text-muted-foreground">{description}</div>
            ) : null}
          </div>
          {children}
        </div>
        {footer ? <div className="mt-6 text-center text-xs text-muted-foreground">{footer}</div> : null}
      </main>
    </div>
  );
}
