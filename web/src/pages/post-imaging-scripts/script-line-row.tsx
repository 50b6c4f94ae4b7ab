import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import FormField from '@cloudscape-design/components/form-field';
import Input from '@cloudscape-design/components/input';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { argumentOf, helpOf, type ScriptBlock } from './script-lines';
import './script-editor.css';

interface RowProps {
  block: ScriptBlock;
  index: number;
  count: number;
  error: string | undefined;
  onChange: (block: ScriptBlock) => void;
  onMove: (by: -1 | 1) => void;
  onRemove: () => void;
  readOnly: boolean;
}

/** One line of a post-imaging script: the command (or custom line), its argument, what it does, and its problem. */
export function ScriptLineRow({ block, index, count, error, onChange, onMove, onRemove, readOnly }: RowProps) {
  const line = index + 1;
  const args = block.kind === 'command' ? argumentOf(block.command) : 'none';
  const title = block.kind === 'command' ? block.command : 'Custom line';
  return (
    <div className={`marrow-script-line${error ? ' marrow-script-line--bad' : ''}`} data-testid={`script-line-${line}`}>
      <span className="marrow-script-line__number" aria-hidden="true">
        {line}
      </span>
      <div className="marrow-script-line__body">
        <FormField
          label={
            <span>
              {`Line ${line}: `}
              <span className="marrow-script-line__command">{title}</span>
            </span>
          }
          description={helpOf(block)}
          errorText={error ? `Line ${line}: ${error}` : undefined}
          stretch
        >
          {block.kind === 'custom' ? (
            <div className="marrow-code">
              <Input
                value={block.text}
                onChange={({ detail }) => onChange({ ...block, text: detail.value })}
                placeholder="echo done > /mnt/system/marrow.txt"
                readOnly={readOnly}
                ariaLabel={`Line ${line}: custom shell line`}
                disableBrowserAutocorrect
                spellcheck={false}
              />
            </div>
          ) : args !== 'none' ? (
            <Input
              value={block.argument}
              onChange={({ detail }) => onChange({ ...block, argument: detail.value })}
              readOnly={readOnly}
              placeholder={block.command === 'CopySysprep' ? 'Name of the answer file (required)' : 'Agent to copy (optional: the default agent)'}
              ariaLabel={`Line ${line}: ${block.command} ${args === 'required' ? 'NAME' : 'AGENT'}`}
              disableBrowserAutocorrect
              spellcheck={false}
            />
          ) : (
            <Box variant="small" color="text-body-secondary">
              No argument.
            </Box>
          )}
        </FormField>
      </div>
      {!readOnly && (
      <SpaceBetween direction="horizontal" size="xxs">
        <Button variant="icon" iconName="angle-up" ariaLabel={`Move line ${line} up`} disabled={index === 0} onClick={() => onMove(-1)} formAction="none" />
        <Button variant="icon" iconName="angle-down" ariaLabel={`Move line ${line} down`} disabled={index === count - 1} onClick={() => onMove(1)} formAction="none" />
        <Button variant="icon" iconName="remove" ariaLabel={`Remove line ${line}`} onClick={onRemove} formAction="none" />
      </SpaceBetween>
      )}
    </div>
  );
}
