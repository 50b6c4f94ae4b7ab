import type { ReactNode } from 'react';
import Button from '@cloudscape-design/components/button';
import Form from '@cloudscape-design/components/form';
import SpaceBetween from '@cloudscape-design/components/space-between';

interface PageFormProps {
  onSubmit: () => void;
  /** Text of the link that leaves the form without saving: "Cancel", or "Back" when read-only. */
  cancelText: string;
  onCancel: () => void;
  /** Text of the primary button; without it there is none (read-only). */
  submitText?: string;
  busy: boolean;
  /** Test id of the primary button, for the browser tests. */
  submitTestId: string;
  /** A failure not shown next to a field, above the buttons. */
  errorText?: ReactNode;
  children: ReactNode;
}

/** A form that fills a page: Enter submits, the buttons sit at the bottom right. */
export function PageForm({ onSubmit, cancelText, onCancel, submitText, busy, submitTestId, errorText, children }: PageFormProps) {
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        onSubmit();
      }}
    >
      <Form
        actions={
          <SpaceBetween direction="horizontal" size="xs">
            <Button formAction="none" variant="link" onClick={onCancel}>
              {cancelText}
            </Button>
            {submitText !== undefined && (
              <Button variant="primary" loading={busy} data-testid={submitTestId}>
                {submitText}
              </Button>
            )}
          </SpaceBetween>
        }
        errorText={errorText}
      >
        {children}
      </Form>
    </form>
  );
}
