import { QueryClient } from '@tanstack/react-query';
import { ApiError } from './api-error.ts';

/** Errors a retry cannot fix: the request itself, or the caller's access, is the problem. */
function retryable(error: unknown): boolean {
  if (!(error instanceof ApiError)) return true;
  return error.status === 0 || error.status >= 500;
}

export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 30_000,
      refetchOnWindowFocus: true,
      retry: (count, error) => count < 2 && retryable(error),
    },
    mutations: { retry: false },
  },
});
