import { Alert } from './alert.tsx';

/** The form-level error (a server message that belongs to no single field). */
export function FormError({ message }: { message: string | undefined }) {
  if (!message) return null;
  return <Alert tone="danger">{message}</Alert>;
}
