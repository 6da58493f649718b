import { Toaster as Sonner } from 'sonner';

export { toast } from 'sonner';

export function Toaster() {
  return (
    <Sonner
      position="bottom-right"
      closeButton
      toastOptions={{
        classNames: {
          toast: 'rounded-lg! border-border! shadow-overlay! font-sans! text-[13px]!',
          description: 'text-muted-foreground!',
        },
      }}
    />
  );
}
