import { useState, type ReactNode } from 'react';
import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import FormField from '@cloudscape-design/components/form-field';
import Input from '@cloudscape-design/components/input';
import Modal from '@cloudscape-design/components/modal';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { messageOf } from '../api/api-error';
import { ModalFooter } from './modal-footer';

interface ConfirmModalProps {
  header: string;
  children: ReactNode;
  /** Text of the confirming button, e.g. "Delete". */
  confirmText: string;
  /** For irreversible deletes: the user must type this (a master's label) to confirm. */
  typeToConfirm?: string;
  /** Header of the error shown in the modal when the API refuses (e.g. still in use). */
  refusedHeader: string;
  onConfirm: () => Promise<unknown>;
  onClose: () => void;
}

/**
 * Confirmation of a destructive action. A refusal (a 409 saying where the thing is still
 * used) is shown in the modal, so the user reads why before closing it.
 */
export function ConfirmModal({ header, children, confirmText, typeToConfirm, refusedHeader, onConfirm, onClose }: ConfirmModalProps) {
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const confirmed = typeToConfirm === undefined || typed.trim() === typeToConfirm;

  const confirm = async () => {
    if (!confirmed) return;
    setBusy(true);
    setError(null);
    try {
      await onConfirm();
      onClose();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      visible
      onDismiss={onClose}
      header={header}
      closeAriaLabel="Close"
      footer={<ModalFooter submitText={confirmText} onSubmit={confirm} onCancel={onClose} busy={busy} disabled={!confirmed} submitTestId="confirm-button" />}
    >
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void confirm();
        }}
      >
        <SpaceBetween size="m">
          <Box variant="span">{children}</Box>
          {typeToConfirm !== undefined && (
            <FormField label={`To confirm, type the label ${typeToConfirm}`}>
              <Input
                value={typed}
                onChange={({ detail }) => setTyped(detail.value)}
                placeholder={typeToConfirm}
                ariaRequired
                autoFocus
                data-testid="type-to-confirm"
              />
            </FormField>
          )}
          {error !== null && (
            <Alert type="error" header={refusedHeader}>
              <span data-testid="refusal">{messageOf(error)}</span>
            </Alert>
          )}
        </SpaceBetween>
      </form>
    </Modal>
  );
}
