import ButtonDropdown, { type ButtonDropdownProps } from '@cloudscape-design/components/button-dropdown';
import type { TableProps } from '@cloudscape-design/components/table';

/** The menu of one row. */
export interface RowActions {
  /** What the menu button is announced as, e.g. "Actions for machine lab-042". */
  ariaLabel: string;
  items: ButtonDropdownProps.Items;
  /** Called with the id of the chosen item. */
  onChoose: (id: string) => void;
}

/**
 * The "Actions" column of a table, a menu per row: spread it last in the column
 * definitions. Empty for users who may not edit.
 */
export function rowActionsColumn<T>(canEdit: boolean, actionsOf: (item: T) => RowActions): TableProps.ColumnDefinition<T>[] {
  if (!canEdit) return [];
  return [
    {
      id: 'actions',
      header: 'Actions',
      cell: (item) => {
        const actions = actionsOf(item);
        return (
          <ButtonDropdown
            variant="inline-icon"
            ariaLabel={actions.ariaLabel}
            expandToViewport
            items={actions.items}
            onItemClick={({ detail }) => actions.onChoose(detail.id)}
          />
        );
      },
    },
  ];
}
