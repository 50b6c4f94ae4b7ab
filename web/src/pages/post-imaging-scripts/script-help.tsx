import HelpPanel from '@cloudscape-design/components/help-panel';
import { postImagingCommands } from '@marrow/shared';
import { commandNames } from './script-lines';

/** What each option block does, in the words of the user guide. */
export function ScriptHelp() {
  return (
    <HelpPanel header={<h2>Post-imaging scripts</h2>}>
      <p>Automate what follows a deployment (software, network configuration). Each line is one of these commands, or a custom shell line.</p>
      <dl>
        {commandNames.map((name) => (
          <div key={name}>
            <dt>
              <code>
                {name}
                {postImagingCommands[name].args === 'required' ? ' NAME' : postImagingCommands[name].args === 'optional' ? ' [AGENT]' : ''}
              </code>
            </dt>
            <dd>{postImagingCommands[name].help}</dd>
          </div>
        ))}
      </dl>
      <p>Associate a script with masters, or choose scripts when you create a deployment.</p>
    </HelpPanel>
  );
}
