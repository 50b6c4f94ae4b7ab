import type { ReactNode } from 'react';
import Alert from '@cloudscape-design/components/alert';
import Modal from '@cloudscape-design/components/modal';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { messageOf } from '../api/api-error';
import { ModalFooter } from '../components/modal-footer';

interface ModalFormProps {
  header: string;
  submitText: string;
  busy: boolean;
  /** An API failure not shown next to a field. */
  error?: unknown;
  errorHeader: string;
  onSubmit: () => void;
  onClose: () => void;
  children: ReactNode;
  size?: 'small' | 'medium' | 'large';
}

/** A form in a modal: Enter submits, failures not tied to a field show above the buttons. */
export function ModalForm({ header, submitText, busy, error, errorHeader, onSubmit, onClose, children, size = 'medium' }: ModalFormProps) {
  return (
    <Modal
      visible
      size={size}
      onDismiss={onClose}
      header={header}
      closeAriaLabel="Close"
      footer={<ModalFooter submitText={submitText} onSubmit={onSubmit} onCancel={onClose} busy={busy} submitTestId="modal-submit" />}
    >
      <form
        onSubmit={(event) => {
          event.preventDefault();
          onSubmit();
        }}
      >
        <SpaceBetween size="m">
          {children}
          {error !== undefined && error !== null && (
            <Alert type="error" header={errorHeader}>
              {messageOf(error)}
            </Alert>
          )}
        </SpaceBetween>
        {/* Lets Enter in a text field submit the form. */}
        <button type="submit" hidden aria-hidden="true" tabIndex={-1} />
      </form>
    </Modal>
  );
}
