import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { useSession } from '../auth/session';
import { useNotify } from '../shell/notifications';
import { messageOf } from './api-error';
import { tenantKey, type Resource } from './queries';

export interface ApiMutationOptions<TVars, TResult> {
  mutationFn: (vars: TVars) => Promise<TResult>;
  /** Resources whose cached lists change with this mutation. */
  invalidates: readonly Resource[];
  /** Flashbar message on success. */
  success?: (result: TResult, vars: TVars) => ReactNode;
  /**
   * Header of the Flashbar message on failure; leave it out when the form shows the error
   * itself (inline, next to the field or in the modal).
   */
  failure?: (vars: TVars) => ReactNode;
}

/** A mutation that refreshes what it changed and says how it went. */
export function useApiMutation<TVars, TResult>(options: ApiMutationOptions<TVars, TResult>) {
  const queryClient = useQueryClient();
  const notify = useNotify();
  const { tenantId } = useSession();
  return useMutation<TResult, Error, TVars>({
    mutationFn: options.mutationFn,
    onSuccess: async (result, vars) => {
      await Promise.all(options.invalidates.map((resource) => queryClient.invalidateQueries({ queryKey: tenantKey(tenantId, resource) })));
      const message = options.success?.(result, vars);
      if (message) notify({ type: 'success', content: message });
    },
    onError: (error, vars) => {
      if (options.failure) notify({ type: 'error', header: options.failure(vars), content: messageOf(error) });
    },
  });
}
