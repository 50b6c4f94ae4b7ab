import { useState, type ReactNode } from 'react';
import { useApiMutation, type ApiMutationOptions } from '../api/mutations';
import { ConfirmModal } from './confirm-modal';

export interface DeleteConfirmationOptions<T, R> extends ApiMutationOptions<T, R> {
  /** The question, e.g. "Delete answer file win11?". */
  header: (item: T) => string;
  /** Header of the API's refusal (e.g. still in use), shown in the modal. */
  refusedHeader: (item: T) => string;
  /** What deleting the item does. */
  message: (item: T) => ReactNode;
}

/**
 * Deleting an item after the user confirms: `ask(item)` opens the confirmation, which
 * `modal` shows (render it next to the table); the deletion refreshes what it changed.
 */
export function useDeleteConfirmation<T, R>({ header, refusedHeader, message, ...mutation }: DeleteConfirmationOptions<T, R>) {
  const [asked, setAsked] = useState<{ item: T } | null>(null);
  const remove = useApiMutation(mutation);
  const modal = asked && (
    <ConfirmModal
      header={header(asked.item)}
      confirmText="Delete"
      refusedHeader={refusedHeader(asked.item)}
      onConfirm={() => remove.mutateAsync(asked.item)}
      onClose={() => setAsked(null)}
    >
      {message(asked.item)}
    </ConfirmModal>
  );
  return { ask: (item: T) => setAsked({ item }), modal };
}
