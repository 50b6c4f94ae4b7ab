import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import CopyToClipboard from '@cloudscape-design/components/copy-to-clipboard';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import SpaceBetween from '@cloudscape-design/components/space-between';
import type { EnrolmentCode as Code } from '../../api/client';
import { formatDateTime } from '../../format/format';

/**
 * The one-time enrolment code of an imaging server and the command that uses it on the
 * appliance. Shown once: the API keeps only its hash.
 */
export function EnrolmentCode({ serverName, code }: { serverName: string; code: Code }) {
  // The appliance reaches the control plane where the portal is served (/v1 on the same origin).
  const command = `marrow-edge enroll ${code.enrolmentCode} --url ${window.location.origin}`;
  return (
    <SpaceBetween size="m">
      <Alert type="info" header={`Enrol ${serverName}`}>
        On the appliance, run the command below before {formatDateTime(code.enrolmentCodeExpiresAt)}. The code works once and is shown
        only now; issue a new one from the Entities page if it is lost or expires.
      </Alert>
      <KeyValuePairs
        columns={1}
        items={[
          {
            label: 'Enrolment code',
            value: (
              <CopyToClipboard
                variant="inline"
                textToCopy={code.enrolmentCode}
                copyButtonAriaLabel="Copy the enrolment code"
                copySuccessText="Enrolment code copied"
                copyErrorText="The code could not be copied"
              />
            ),
          },
          {
            label: 'Command',
            value: (
              <Box variant="code">
                <CopyToClipboard variant="inline" textToCopy={command} copyButtonAriaLabel="Copy the command" copySuccessText="Command copied" copyErrorText="The command could not be copied" />
              </Box>
            ),
          },
        ]}
      />
    </SpaceBetween>
  );
}
