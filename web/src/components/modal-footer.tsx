import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import SpaceBetween from '@cloudscape-design/components/space-between';

interface ModalFooterProps {
  /** Text of the primary button: what the modal does, e.g. "Save". */
  submitText: string;
  onSubmit: () => void;
  onCancel: () => void;
  /** Shows the primary button as loading while the action runs. */
  busy?: boolean;
  disabled?: boolean;
  /** Test id of the primary button, for the browser tests. */
  submitTestId?: string;
}

/** The buttons at the bottom right of a modal: Cancel, then the primary action. */
export function ModalFooter({ submitText, onSubmit, onCancel, busy, disabled, submitTestId }: ModalFooterProps) {
  return (
    <Box float="right">
      <SpaceBetween direction="horizontal" size="xs">
        <Button variant="link" onClick={onCancel}>
          Cancel
        </Button>
        <Button variant="primary" onClick={onSubmit} loading={busy} disabled={disabled} data-testid={submitTestId}>
          {submitText}
        </Button>
      </SpaceBetween>
    </Box>
  );
}
