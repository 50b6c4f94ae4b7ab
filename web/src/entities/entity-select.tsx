import FormField from '@cloudscape-design/components/form-field';
import Select from '@cloudscape-design/components/select';
import { useSelectedEntity } from './selected-entity';
import './entity-select.css';

/** "Selected entity" at the top of every per-entity page (entities nest: options show their path). */
export function EntitySelect() {
  const { rows, entityId, setEntityId, entities } = useSelectedEntity();
  const options = rows.map((r) => ({
    value: r.entity.id,
    label: r.path,
    ...(r.entity.imagingServerId ? {} : { tags: ['no imaging server'] }),
  }));
  const selected = options.find((o) => o.value === entityId) ?? null;
  return (
    <div className="marrow-entity-select">
      <FormField label="Entity" stretch={false}>
        <Select
          selectedOption={selected}
          options={options}
          onChange={({ detail }) => detail.selectedOption.value && setEntityId(detail.selectedOption.value)}
          filteringType="auto"
          filteringPlaceholder="Find an entity"
          placeholder="Choose an entity"
          statusType={entities.isPending ? 'loading' : entities.isError ? 'error' : 'finished'}
          loadingText="Loading entities"
          errorText="The entities could not be loaded."
          empty="No entities"
          data-testid="entity-select"
        />
      </FormField>
    </div>
  );
}
