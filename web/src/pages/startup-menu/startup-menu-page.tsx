import { useEffect, useMemo, useState } from 'react';
import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import ColumnLayout from '@cloudscape-design/components/column-layout';
import Container from '@cloudscape-design/components/container';
import ExpandableSection from '@cloudscape-design/components/expandable-section';
import Form from '@cloudscape-design/components/form';
import Header from '@cloudscape-design/components/header';
import HelpPanel from '@cloudscape-design/components/help-panel';
import SpaceBetween from '@cloudscape-design/components/space-between';
import type { Entity, StartupMenuChoice } from '@marrow/shared';
import { messageOf } from '../../api/api-error';
import { api } from '../../api/client';
import { useApiMutation } from '../../api/mutations';
import { useBootServices, useMasters, useStartupMenu } from '../../api/queries';
import { useCanEdit } from '../../auth/session';
import { EntityPage } from '../../components/entity-page';
import { ErrorState, PageLoading } from '../../components/page-states';
import { useHelpPanel } from '../../shell/shell-slots';
import { MenuChoiceFields, type ChoiceOption } from './menu-choice-fields';
import { previewMenu } from './menu-preview';
import { MenuScreen } from './menu-screen';

/** Per entity: what machines boot when nobody touches the keyboard, classic and Wake-on-LAN. */
export default function StartupMenuPage() {
  useHelpPanel(() => (
    <HelpPanel header={<h2>Default startup menu</h2>}>
      <p>Choose between automatic and manual behaviour when the machines of the entity start from the network.</p>
      <ul>
        <li>
          <strong>Default selection</strong>: the item started when the timeout runs out.
        </li>
        <li>
          <strong>Timeout</strong>: seconds the menu waits; 0 starts the default at once.
        </li>
        <li>
          The <strong>classic</strong> menu is shown on ordinary network boots; the <strong>WOL</strong> menu to machines Marrow woke
          up with Wake-on-LAN.
        </li>
      </ul>
    </HelpPanel>
  ));
  return (
    <EntityPage title="Default startup menu" description="What the entity's machines start when nobody chooses.">
      {(entity) => <StartupMenuForm entity={entity} />}
    </EntityPage>
  );
}

function StartupMenuForm({ entity }: { entity: Entity }) {
  const menu = useStartupMenu(entity.id);
  const services = useBootServices(entity.id);
  const masters = useMasters(entity.id);
  const canEdit = useCanEdit();
  const [classic, setClassic] = useState<StartupMenuChoice | null>(null);
  const [wol, setWol] = useState<StartupMenuChoice | null>(null);
  useEffect(() => {
    setClassic(menu.data?.classic ?? null);
    setWol(menu.data?.wol ?? null);
  }, [menu.data]);

  const save = useApiMutation({
    mutationFn: () => api.entities.updateStartupMenu(entity.id, { classic: classic!, wol: wol! }),
    invalidates: ['startup-menu'],
    success: () => `Default startup menu of ${entity.name} saved.`,
  });

  const options = useMemo<ChoiceOption[]>(
    () => [
      ...[...(services.data ?? [])]
        .filter((s) => s.enabled && s.kind !== 'deploy-master')
        .sort((a, b) => a.order - b.order)
        .map((s) => ({ value: s.id, label: s.label, group: 'Boot services' as const })),
      ...(masters.data ?? [])
        .filter((m) => m.inDefaultStartupMenu)
        .map((m) => ({ value: m.id, label: `Deploy master ${m.label}${m.description ? ` - ${m.description}` : ''}`, group: 'Masters' as const })),
    ],
    [services.data, masters.data],
  );

  if (menu.isPending || services.isPending || masters.isPending || !classic || !wol) {
    const failed = menu.error ?? services.error ?? masters.error;
    if (failed) return <ErrorState header="The default startup menu could not be loaded" error={failed} onRetry={() => void Promise.all([menu.refetch(), services.refetch(), masters.refetch()])} />;
    return <PageLoading text="Loading the default startup menu" />;
  }
  const valid = [classic, wol].every((c) => Number.isInteger(c.timeoutSeconds) && c.timeoutSeconds >= 0 && c.timeoutSeconds <= 3600);
  const changed = JSON.stringify({ classic, wol }) !== JSON.stringify({ classic: menu.data!.classic, wol: menu.data!.wol });
  const screens = [
    { caption: 'Classic menu', preview: previewMenu(entity, services.data ?? [], masters.data ?? [], classic, wol, false) },
    { caption: 'WOL menu', preview: previewMenu(entity, services.data ?? [], masters.data ?? [], classic, wol, true) },
  ];

  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        if (canEdit && changed && valid) save.mutate();
      }}
    >
      <Form
        actions={
          canEdit ? (
            <SpaceBetween direction="horizontal" size="xs">
              <Button
                formAction="none"
                variant="link"
                disabled={!changed}
                onClick={() => {
                  setClassic(menu.data!.classic);
                  setWol(menu.data!.wol);
                  save.reset();
                }}
              >
                Discard changes
              </Button>
              <Button variant="primary" disabled={!changed || !valid} loading={save.isPending}>
                Save
              </Button>
            </SpaceBetween>
          ) : undefined
        }
        errorText={save.isError ? messageOf(save.error) : undefined}
      >
        <SpaceBetween size="l">
          <ColumnLayout columns={2}>
            <Container header={<Header variant="h2" description="Shown on ordinary network boots.">Classic menu</Header>}>
              <MenuChoiceFields choice={classic} options={options} onChange={setClassic} readOnly={!canEdit} field="classic" error={save.error} />
            </Container>
            <Container header={<Header variant="h2" description="Shown to machines woken by Wake-on-LAN.">WOL menu</Header>}>
              <MenuChoiceFields choice={wol} options={options} onChange={setWol} readOnly={!canEdit} field="wol" error={save.error} />
            </Container>
          </ColumnLayout>
          <Container header={<Header variant="h2" description={changed ? 'With your unsaved changes.' : 'As saved.'}>Preview</Header>}>
            <ColumnLayout columns={2}>
              {screens.map((s) => (
                <SpaceBetween key={s.caption} size="xs">
                  <MenuScreen caption={s.caption} preview={s.preview} />
                  {s.preview.defaultMissing && <Alert type="warning">The default selection is not in this menu: the machine starts the highlighted item instead.</Alert>}
                  <ExpandableSection headerText={`iPXE script of the ${s.caption.toLowerCase()}`} variant="footer">
                    <pre className="marrow-menu-script" tabIndex={0} aria-label={`iPXE script of the ${s.caption.toLowerCase()}`}>
                      {s.preview.script}
                    </pre>
                  </ExpandableSection>
                </SpaceBetween>
              ))}
            </ColumnLayout>
            <Box margin={{ top: 's' }} variant="small" color="text-body-secondary">
              Rendered by the imaging server's own renderer, for a registered machine (HOSTNAME). Masters appear when they are flagged “in default startup menu” on the Masters page and have an image.
            </Box>
          </Container>
        </SpaceBetween>
      </Form>
    </form>
  );
}
