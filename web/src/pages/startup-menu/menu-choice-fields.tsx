import FormField from '@cloudscape-design/components/form-field';
import Input from '@cloudscape-design/components/input';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import Select, { type SelectProps } from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import type { StartupMenuChoice } from '@marrow/shared';
import { ApiError } from '../../api/api-error';
import { sentence } from '../../forms/field-errors';

export interface ChoiceOption {
  value: string;
  label: string;
  group: 'Boot services' | 'Masters';
}

interface Props {
  choice: StartupMenuChoice;
  options: readonly ChoiceOption[];
  onChange: (choice: StartupMenuChoice) => void;
  readOnly: boolean;
  /** "classic" or "wol": where the API's field errors for this menu are. */
  field: 'classic' | 'wol';
  error: unknown;
}

/** Default selection and timeout of one menu. */
export function MenuChoiceFields({ choice, options, onChange, readOnly, field, error }: Props) {
  const groups: SelectProps.OptionGroup[] = (['Boot services', 'Masters'] as const)
    .map((group) => ({ label: group, options: options.filter((o) => o.group === group).map(({ value, label }) => ({ value, label })) }))
    .filter((g) => g.options.length > 0);
  const selected = options.find((o) => o.value === choice.defaultItemId);
  const timeout = choice.timeoutSeconds;
  const timeoutError = !Number.isInteger(timeout) || timeout < 0 || timeout > 3600 ? 'Enter a whole number of seconds from 0 to 3600.' : undefined;
  const api = error instanceof ApiError ? error : null;
  const serverError = (name: string) => {
    const message = api?.problemOf(`body.${field}.${name}`);
    return message ? sentence(message) : undefined;
  };

  if (readOnly) {
    return (
      <KeyValuePairs
        columns={2}
        items={[
          { label: 'Default selection', value: selected?.label ?? 'Not in the menu' },
          { label: 'Timeout', value: `${timeout} s` },
        ]}
      />
    );
  }
  return (
    <SpaceBetween size="m">
      <FormField label="Default selection" description="Started when the timeout runs out." errorText={serverError('defaultItemId')}>
        <Select
          selectedOption={selected ? { value: selected.value, label: selected.label } : null}
          options={groups}
          onChange={({ detail }) => onChange({ ...choice, defaultItemId: detail.selectedOption.value ?? choice.defaultItemId })}
          placeholder="Not in the menu: choose an item"
          ariaLabel={`Default selection of the ${field === 'wol' ? 'WOL' : 'classic'} menu`}
        />
      </FormField>
      <FormField label="Timeout" description="Seconds before the default starts; 0 starts it at once." errorText={timeoutError ?? serverError('timeoutSeconds')}>
        <Input
          type="number"
          inputMode="numeric"
          value={Number.isNaN(timeout) ? '' : String(timeout)}
          onChange={({ detail }) => onChange({ ...choice, timeoutSeconds: detail.value === '' ? Number.NaN : Number(detail.value) })}
          ariaLabel={`Timeout of the ${field === 'wol' ? 'WOL' : 'classic'} menu, in seconds`}
        />
      </FormField>
    </SpaceBetween>
  );
}
