import { useState } from 'react';
import type { StorageCollection } from '@marrow/shared';
import { api } from '../../api/client';
import { useApiMutation } from '../../api/mutations';

/** The last thing the page learnt: a check's report, or what a real run deleted after a check. */
export type CollectionOutcome =
  | { kind: 'checked'; report: StorageCollection }
  | { kind: 'reclaimed'; run: StorageCollection; check: StorageCollection };

/**
 * A check (a dry run: deletes nothing) and a reclaim (the real run, after a check). Nothing is
 * cached: every check asks the API again, and the report is only the page's state.
 */
export function useStorageCollection() {
  const [outcome, setOutcome] = useState<CollectionOutcome | null>(null);
  const check = useApiMutation<void, StorageCollection>({ mutationFn: () => api.storage.collect({ dryRun: true }), invalidates: [] });
  const reclaim = useApiMutation<void, StorageCollection>({ mutationFn: () => api.storage.collect({ dryRun: false }), invalidates: [] });

  return {
    outcome,
    checking: check.isPending,
    checkError: check.error,
    check: () => {
      setOutcome(null);
      check.mutate(undefined, { onSuccess: (report) => setOutcome({ kind: 'checked', report }) });
    },
    /** Rejects with the API's refusal, which the confirmation modal shows. */
    reclaim: async () => {
      if (outcome?.kind !== 'checked') throw new Error('Check the archive before reclaiming its space.');
      const run = await reclaim.mutateAsync();
      setOutcome({ kind: 'reclaimed', run, check: outcome.report });
    },
  };
}
