import { useState } from 'react';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import FormField from '@cloudscape-design/components/form-field';
import Modal from '@cloudscape-design/components/modal';
import Select from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { useSession } from '../auth/session';

/** For operators of many tenants: a searchable list instead of a long menu. */
export function TenantSwitchModal({ onClose }: { onClose: () => void }) {
  const { tenants, tenantId, switchTenant } = useSession();
  const [choice, setChoice] = useState(tenantId);
  const options = tenants.map((t) => ({ value: t.id, label: t.name, description: t.id }));
  return (
    <Modal
      visible
      onDismiss={onClose}
      header="Switch tenant"
      footer={
        <Box float="right">
          <SpaceBetween direction="horizontal" size="xs">
            <Button variant="link" onClick={onClose}>
              Cancel
            </Button>
            <Button
              variant="primary"
              onClick={() => {
                switchTenant(choice);
                onClose();
              }}
            >
              Switch
            </Button>
          </SpaceBetween>
        </Box>
      }
    >
      <FormField label="Tenant" description="The customer whose imaging you want to manage.">
        <Select
          selectedOption={options.find((o) => o.value === choice) ?? null}
          options={options}
          onChange={({ detail }) => setChoice(detail.selectedOption.value ?? tenantId)}
          filteringType="auto"
          filteringPlaceholder="Find a tenant"
        />
      </FormField>
    </Modal>
  );
}
