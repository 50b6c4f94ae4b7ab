import { useState } from 'react';
import Checkbox from '@cloudscape-design/components/checkbox';
import FormField from '@cloudscape-design/components/form-field';
import Input from '@cloudscape-design/components/input';
import Textarea from '@cloudscape-design/components/textarea';
import { bootServiceCreateSchema, bootServiceUpdateSchema, validateIpxeSnippet, type BootService } from '@marrow/shared';
import { api } from '../../api/client';
import { useApiMutation } from '../../api/mutations';
import { AnnotatedLines } from '../../components/annotated-lines';
import { ModalForm } from '../../forms/modal-form';
import { useFormErrors } from '../../forms/use-form-errors';

const EXAMPLE = '#!ipxe\nchain http://10.0.0.1/memtest86.efi || goto failed\n:failed\necho Memory test unavailable\nsleep 5';

/** Add a custom iPXE item, or edit a boot service (label and order; the snippet of a custom one). */
export function BootServiceModal({ entityId, service, nextOrder = 100, onClose }: { entityId: string; service?: BootService; nextOrder?: number; onClose: () => void }) {
  const custom = !service || service.kind === 'custom';
  const [label, setLabel] = useState(service?.label ?? '');
  const [order, setOrder] = useState(String(service?.order ?? nextOrder));
  const [enabled, setEnabled] = useState(service?.enabled ?? true);
  const [snippet, setSnippet] = useState(service?.ipxeScript ?? '');

  const orderNumber = order.trim() === '' ? Number.NaN : Number(order);
  const body = service
    ? { label, order: orderNumber, ...(custom ? { ipxeScript: snippet } : {}) }
    : { entityId, label, order: orderNumber, enabled, ipxeScript: snippet };
  const save = useApiMutation({
    mutationFn: () => (service ? api.bootServices.update(service.id, body) : api.bootServices.create(body as Parameters<typeof api.bootServices.create>[0])),
    invalidates: ['boot-services', 'startup-menu'],
    success: (s) => (service ? `${s.label} saved.` : `Custom item ${s.label} added.`),
  });
  const form = useFormErrors(service ? bootServiceUpdateSchema : bootServiceCreateSchema, body, save.error);
  const problems = custom && snippet.trim() ? validateIpxeSnippet(snippet) : [];
  const orderError = Number.isNaN(orderNumber) ? 'Enter a whole number from 0 to 10000.' : form.errorOf('order');

  return (
    <ModalForm
      size="large"
      header={service ? `Edit ${service.label}` : 'Add custom item'}
      submitText={service ? 'Save' : 'Add'}
      busy={save.isPending}
      error={form.unplaced}
      errorHeader="The boot service could not be saved"
      onSubmit={() => form.check() && !Number.isNaN(orderNumber) && save.mutate(undefined, { onSuccess: onClose })}
      onClose={onClose}
    >
      <FormField label="Label" description="The text of the item in the boot menu." errorText={form.errorOf('label')}>
        <Input value={label} onChange={({ detail }) => setLabel(detail.value)} autoFocus />
      </FormField>
      <FormField label="Order" description="Items are shown from the lowest order up." errorText={orderError}>
        <Input value={order} onChange={({ detail }) => setOrder(detail.value)} type="number" inputMode="numeric" />
      </FormField>
      {!service && (
        <Checkbox checked={enabled} onChange={({ detail }) => setEnabled(detail.checked)}>
          Enabled
        </Checkbox>
      )}
      {custom && (
        <FormField
          label="iPXE snippet"
          description="The iPXE commands run when this item is chosen. Each line is checked: unknown commands are refused before they reach a machine."
          errorText={form.errorOf('ipxeScript') ?? (problems.length ? `${problems.length} line${problems.length === 1 ? '' : 's'} to fix: see below.` : undefined)}
          stretch
        >
          <div className="marrow-code">
            <Textarea value={snippet} onChange={({ detail }) => setSnippet(detail.value)} rows={8} placeholder={EXAMPLE} spellcheck={false} />
          </div>
        </FormField>
      )}
      {custom && problems.length > 0 && <AnnotatedLines text={snippet} problems={problems} label="Problems in the iPXE snippet, by line" />}
    </ModalForm>
  );
}
