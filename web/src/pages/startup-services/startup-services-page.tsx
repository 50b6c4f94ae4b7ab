import { useMemo, useState } from 'react';
import Badge from '@cloudscape-design/components/badge';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Header from '@cloudscape-design/components/header';
import HelpPanel from '@cloudscape-design/components/help-panel';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Table, { type TableProps } from '@cloudscape-design/components/table';
import Toggle from '@cloudscape-design/components/toggle';
import type { BootService, Entity } from '@marrow/shared';
import { api } from '../../api/client';
import { useApiMutation } from '../../api/mutations';
import { useBootServices } from '../../api/queries';
import { useCanEdit } from '../../auth/session';
import { ConfirmModal } from '../../components/confirm-modal';
import { EntityPage } from '../../components/entity-page';
import { EmptyState, tableError } from '../../components/page-states';
import { rowActionsColumn } from '../../components/row-actions';
import { useHelpPanel } from '../../shell/shell-slots';
import { BootServiceModal } from './boot-service-modal';
import { reorder } from './reorder';

/** The items of an entity's network boot menu: enable, disable, order, and custom iPXE items. */
export default function StartupServicesPage() {
  useHelpPanel(() => (
    <HelpPanel header={<h2>Startup services</h2>}>
      <p>Boot services are the items of the network (PXE) boot menu of the entity&apos;s machines.</p>
      <ul>
        <li>Enable or disable the builtin items: boot from local disk, register, back up, deploy a master, diagnostics.</li>
        <li>Add custom items: a few lines of iPXE script, checked when you save them.</li>
        <li>Order the items: the menu shows them from the lowest order up.</li>
      </ul>
      <p>The item chosen as default selection of a startup menu cannot be disabled or deleted.</p>
    </HelpPanel>
  ));
  return (
    <EntityPage title="Startup services" description="The items of the network boot menu of the entity's machines.">
      {(entity) => <BootServicesTable entity={entity} />}
    </EntityPage>
  );
}

type Dialog = { kind: 'add' } | { kind: 'edit'; service: BootService } | { kind: 'delete'; service: BootService } | null;

function BootServicesTable({ entity }: { entity: Entity }) {
  const services = useBootServices(entity.id);
  const canEdit = useCanEdit();
  const [dialog, setDialog] = useState<Dialog>(null);
  const sorted = useMemo(() => [...(services.data ?? [])].sort((a, b) => a.order - b.order || a.label.localeCompare(b.label)), [services.data]);

  const toggle = useApiMutation({
    mutationFn: (s: BootService) => api.bootServices.update(s.id, { enabled: !s.enabled }),
    invalidates: ['boot-services', 'startup-menu'],
    success: (s) => `${s.label} ${s.enabled ? 'enabled' : 'disabled'}.`,
    failure: (s) => `${s.label} could not be ${s.enabled ? 'disabled' : 'enabled'}`,
  });
  const move = useApiMutation({
    mutationFn: async ({ service, by }: { service: BootService; by: -1 | 1 }) => {
      for (const change of reorder(sorted, service.id, by)) await api.bootServices.update(change.id, { order: change.order });
    },
    invalidates: ['boot-services'],
    failure: ({ service }) => `${service.label} could not be moved`,
  });
  const remove = useApiMutation({
    mutationFn: (s: BootService) => api.bootServices.remove(s.id),
    invalidates: ['boot-services', 'startup-menu'],
    success: (_r, s) => `Custom item ${s.label} deleted.`,
  });

  const columns: TableProps.ColumnDefinition<BootService>[] = [
    { id: 'order', header: 'Order', cell: (s) => s.order, width: 90 },
    {
      id: 'label',
      header: 'Item',
      isRowHeader: true,
      cell: (s) => (
        <SpaceBetween direction="horizontal" size="xs">
          <span>{s.label}</span>
          {s.kind === 'custom' && <Badge color="blue">Custom iPXE</Badge>}
        </SpaceBetween>
      ),
    },
    {
      id: 'enabled',
      header: 'Enabled',
      cell: (s) => (
        <Toggle
          checked={s.enabled}
          disabled={!canEdit || (toggle.isPending && toggle.variables?.id === s.id)}
          onChange={() => toggle.mutate(s)}
          ariaLabel={`${s.label} enabled`}
        >
          {s.enabled ? 'Enabled' : 'Disabled'}
        </Toggle>
      ),
    },
    ...(canEdit
      ? [
          {
            id: 'move',
            header: 'Move',
            cell: (s: BootService) => {
              const index = sorted.findIndex((x) => x.id === s.id);
              return (
                <SpaceBetween direction="horizontal" size="xxs">
                  <Button variant="icon" iconName="angle-up" ariaLabel={`Move ${s.label} up`} disabled={index === 0 || move.isPending} onClick={() => move.mutate({ service: s, by: -1 })} />
                  <Button variant="icon" iconName="angle-down" ariaLabel={`Move ${s.label} down`} disabled={index === sorted.length - 1 || move.isPending} onClick={() => move.mutate({ service: s, by: 1 })} />
                </SpaceBetween>
              );
            },
          },
        ]
      : []),
    ...rowActionsColumn(canEdit, (s: BootService) => ({
      ariaLabel: `Actions for ${s.label}`,
      items: [
        { id: 'edit', text: 'Edit' },
        { id: 'delete', text: 'Delete', disabled: s.kind !== 'custom', disabledReason: 'Builtin items cannot be deleted; disable them instead.' },
      ],
      onChoose: (id) => setDialog({ kind: id === 'edit' ? 'edit' : 'delete', service: s }),
    })),
  ];

  return (
    <>
      <Table
        items={sorted}
        columnDefinitions={columns}
        trackBy="id"
        variant="container"
        loading={services.isPending}
        loadingText="Loading boot services"
        empty={services.isError ? tableError(services.error, () => services.refetch(), 'boot services') : <EmptyState title="No boot services" />}
        header={
          <Header
            variant="h2"
            counter={services.data ? `(${services.data.length})` : undefined}
            description="In menu order."
            actions={
              canEdit ? (
                <Button variant="primary" onClick={() => setDialog({ kind: 'add' })}>
                  Add custom item
                </Button>
              ) : undefined
            }
          >
            {`Boot services of ${entity.name}`}
          </Header>
        }
        footer={
          <Box variant="small" color="text-body-secondary">
            “Deploy a master” lists the masters flagged “in default startup menu”.
          </Box>
        }
      />
      {dialog?.kind === 'add' && <BootServiceModal entityId={entity.id} nextOrder={(sorted.at(-1)?.order ?? 0) + 10} onClose={() => setDialog(null)} />}
      {dialog?.kind === 'edit' && <BootServiceModal entityId={entity.id} service={dialog.service} onClose={() => setDialog(null)} />}
      {dialog?.kind === 'delete' && (
        <ConfirmModal
          header={`Delete ${dialog.service.label}?`}
          confirmText="Delete"
          refusedHeader={`${dialog.service.label} cannot be deleted`}
          onConfirm={() => remove.mutateAsync(dialog.service)}
          onClose={() => setDialog(null)}
        >
          The custom item <strong>{dialog.service.label}</strong> will disappear from the boot menu of {entity.name}.
        </ConfirmModal>
      )}
    </>
  );
}
