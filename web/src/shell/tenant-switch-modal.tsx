import { useState } from 'react';
import FormField from '@cloudscape-design/components/form-field';
import Modal from '@cloudscape-design/components/modal';
import Select from '@cloudscape-design/components/select';
import { useSession } from '../auth/session';
import { ModalFooter } from '../components/modal-footer';

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
        <ModalFooter
          submitText="Switch"
          onSubmit={() => {
            switchTenant(choice);
            onClose();
          }}
          onCancel={onClose}
        />
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
