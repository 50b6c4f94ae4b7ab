import { useMemo, useState } from 'react';
import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Checkbox from '@cloudscape-design/components/checkbox';
import Container from '@cloudscape-design/components/container';
import DatePicker from '@cloudscape-design/components/date-picker';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import Multiselect from '@cloudscape-design/components/multiselect';
import RadioGroup from '@cloudscape-design/components/radio-group';
import Select from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import TimeInput from '@cloudscape-design/components/time-input';
import { deploymentCreateSchema, type Entity } from '@marrow/shared';
import { useNavigate, useSearchParams } from 'react-router';
import { ApiError, messageOf } from '../../api/api-error';
import { api } from '../../api/client';
import { useApiMutation } from '../../api/mutations';
import { useImagingServerStatus, useMachines, useMasters, usePostImagingScripts } from '../../api/queries';
import { useCanEdit } from '../../auth/session';
import { EntityPage } from '../../components/entity-page';
import { PageForm } from '../../components/page-form';
import { ErrorState } from '../../components/page-states';
import { fieldErrors } from '../../forms/field-errors';
import { formatDateTime, formatGB } from '../../format/format';
import { statusLabels } from '../imaging-server-status/server-status-indicator';
import { MachinePicker } from './machine-picker';
import { scheduledAtFrom, scheduleProblem } from './schedule';

/** Deploy a master to machines of its entity, now or at a time, with post-imaging scripts. */
export default function CreateDeploymentPage() {
  const canEdit = useCanEdit();
  return (
    <EntityPage title="Create deployment" description="Install a master on machines of the entity, then run post-imaging scripts.">
      {(entity) => (canEdit ? <DeploymentForm key={entity.id} entity={entity} /> : <ErrorState header="Read-only access" error={new Error('Your role is read-only: you cannot create deployments.')} />)}
    </EntityPage>
  );
}

function DeploymentForm({ entity }: { entity: Entity }) {
  const navigate = useNavigate();
  const [searchParams] = useSearchParams();
  const masters = useMasters(entity.id);
  const machines = useMachines(entity.id);
  const scripts = usePostImagingScripts();
  const status = useImagingServerStatus(entity.id);

  const [masterId, setMasterId] = useState<string | null>(searchParams.get('master'));
  const [machineIds, setMachineIds] = useState<string[]>([]);
  const [scriptIds, setScriptIds] = useState<string[] | null>(null); // null: the master's own scripts
  const [description, setDescription] = useState('');
  const [wakeOnLan, setWakeOnLan] = useState(true);
  const [mode, setMode] = useState<'unicast' | 'multicast'>('unicast');
  const [when, setWhen] = useState<'now' | 'later'>('now');
  const [date, setDate] = useState('');
  const [time, setTime] = useState('');
  const [submitted, setSubmitted] = useState(false);

  const deployable = useMemo(() => (masters.data ?? []).filter((m) => m.versions.length > 0), [masters.data]);
  const master = deployable.find((m) => m.id === masterId);
  const chosenScripts = scriptIds ?? master?.postImagingScriptIds ?? [];
  const body = {
    masterId: masterId ?? '',
    machineIds,
    postImagingScriptIds: chosenScripts,
    description,
    wakeOnLan,
    mode,
    scheduledAt: when === 'later' ? scheduledAtFrom(date, time) : null,
  };

  const create = useApiMutation({
    mutationFn: () => api.deployments.create(body),
    invalidates: ['deployments'],
    success: (d) => `Deployment ${d.description || d.id} created for ${d.machineIds.length} machine${d.machineIds.length === 1 ? '' : 's'}.`,
  });
  const local = fieldErrors(deploymentCreateSchema, body);
  const server = create.error instanceof ApiError ? create.error : null;
  const show = (field: string) => (submitted ? local[field] : undefined) ?? server?.problemOf(`body.${field}`);
  const schedule = when === 'later' && submitted ? scheduleProblem(date, time) : null;
  const otherError = server?.problems.some((p) => p.field.startsWith('body.')) ? null : create.error;

  const submit = () => {
    setSubmitted(true);
    if (Object.keys(local).length || (when === 'later' && scheduleProblem(date, time))) return;
    create.mutate(undefined, { onSuccess: (d) => navigate(`/deployments?entity=${entity.id}&deployment=${d.id}`) });
  };

  const masterOptions = deployable.map((m) => ({
    value: m.id,
    label: m.label,
    description: m.description || undefined,
    tags: [formatGB(m.compressedSizeBytes), formatDateTime(m.createdAt)],
  }));
  const scriptOptions = (scripts.data ?? []).map((s) => ({ value: s.id, label: s.name, description: s.description || undefined }));

  return (
    <PageForm
      onSubmit={submit}
      cancelText="Cancel"
      onCancel={() => navigate(`/deployments?entity=${entity.id}`)}
      submitText={when === 'now' ? 'Deploy now' : 'Schedule deployment'}
      busy={create.isPending}
      submitTestId="create-deployment"
      errorText={otherError ? messageOf(otherError) : undefined}
    >
      <SpaceBetween size="l">
        {status.data && status.data.status !== 'available' && (
          <Alert type="warning" header={`The imaging server of ${entity.name} is ${statusLabels[status.data.status]}`}>
            {status.data.reason} The deployment will wait for it: machines are deployed once the imaging server is Available again.
          </Alert>
        )}
        <Container header={<Header variant="h2">Master</Header>}>
          <FormField label="Master to deploy" description="Check its date, description and size before deploying." errorText={show('masterId')}>
            <Select
              selectedOption={masterOptions.find((o) => o.value === masterId) ?? null}
              options={masterOptions}
              onChange={({ detail }) => setMasterId(detail.selectedOption.value ?? null)}
              placeholder="Choose a master"
              filteringType="auto"
              statusType={masters.isPending ? 'loading' : masters.isError ? 'error' : 'finished'}
              loadingText="Loading masters"
              errorText="The masters could not be loaded."
              empty="No master of this entity has an image yet"
            />
          </FormField>
        </Container>
        <MachinePicker machines={machines} selectedIds={machineIds} onChange={setMachineIds} errorText={show('machineIds')} />
        <Container header={<Header variant="h2">Post-imaging scripts</Header>}>
          <FormField
            label="Scripts to run after the master is restored"
            description={master ? 'Starts with the scripts associated with the master.' : 'Choose a master first to start with its scripts.'}
            errorText={show('postImagingScriptIds')}
          >
            <Multiselect
              selectedOptions={chosenScripts.map((id) => scriptOptions.find((o) => o.value === id) ?? { value: id, label: id })}
              options={scriptOptions}
              onChange={({ detail }) => setScriptIds(detail.selectedOptions.map((o) => o.value!))}
              placeholder="No scripts"
              filteringType="auto"
              statusType={scripts.isPending ? 'loading' : 'finished'}
              empty="No post-imaging scripts yet"
            />
          </FormField>
        </Container>
        <Container header={<Header variant="h2">Options</Header>}>
          <SpaceBetween size="l">
            <FormField label={<span>Description <i>- optional</i></span>} errorText={show('description')}>
              <Input value={description} onChange={({ detail }) => setDescription(detail.value)} placeholder="Room 12, spring refresh" />
            </FormField>
            <Checkbox checked={wakeOnLan} onChange={({ detail }) => setWakeOnLan(detail.checked)} description="The imaging server wakes the machines up, so they start from the network without anyone on site.">
              Wake the machines with Wake-on-LAN
            </Checkbox>
            <FormField label="Transfer mode">
              <RadioGroup
                value={mode}
                onChange={({ detail }) => setMode(detail.value as 'unicast' | 'multicast')}
                items={[
                  { value: 'unicast', label: 'Unicast', description: 'Each machine receives its own stream, whenever it starts.' },
                  {
                    value: 'multicast',
                    label: 'Multicast',
                    description:
                      'One stream per partition for every machine at once (udpcast), so the site network carries the master once. The imaging server waits up to two minutes for the machines to join; a machine that starts later receives its own stream.',
                  },
                ]}
              />
            </FormField>
            <FormField label="Start">
              <RadioGroup
                value={when}
                onChange={({ detail }) => setWhen(detail.value as 'now' | 'later')}
                items={[
                  { value: 'now', label: 'Now' },
                  { value: 'later', label: 'At a time', description: 'In your time zone.' },
                ]}
              />
            </FormField>
            {when === 'later' && (
              <FormField label="Date and time" errorText={schedule ?? show('scheduledAt')}>
                <SpaceBetween direction="horizontal" size="xs">
                  <DatePicker value={date} onChange={({ detail }) => setDate(detail.value)} placeholder="YYYY/MM/DD" isDateEnabled={(d) => d >= startOfToday()} ariaLabel="Date" />
                  <TimeInput value={time} onChange={({ detail }) => setTime(detail.value)} format="hh:mm" placeholder="hh:mm" ariaLabel="Time" />
                </SpaceBetween>
              </FormField>
            )}
            <Box variant="small" color="text-body-secondary">
              {`${machineIds.length} machine${machineIds.length === 1 ? '' : 's'} selected`}
              {master ? `, master ${master.label} (${formatGB(master.compressedSizeBytes)})` : ''}.
            </Box>
          </SpaceBetween>
        </Container>
      </SpaceBetween>
    </PageForm>
  );
}

function startOfToday(): Date {
  const d = new Date();
  d.setHours(0, 0, 0, 0);
  return d;
}
