import type { ReactNode } from 'react';
import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import ColumnLayout from '@cloudscape-design/components/column-layout';
import Container from '@cloudscape-design/components/container';
import ContentLayout from '@cloudscape-design/components/content-layout';
import CopyToClipboard from '@cloudscape-design/components/copy-to-clipboard';
import Header from '@cloudscape-design/components/header';
import Button from '@cloudscape-design/components/button';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { RouterLink } from '../../components/router-link';
import './how-imaging-works.css';

const PENDING_REBOOT = `$keys = @(
  'HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\RebootPending',
  'HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WindowsUpdate\\Auto Update\\RebootRequired'
)
$keys | ForEach-Object { Test-Path $_ }   # both must print False`;

const PREPARE = 'powershell.exe -ExecutionPolicy Bypass -File .\\prepare-master.ps1';

/** The path from a reference machine to machines deployed with its master, as the user guide tells it. */
export default function HowImagingWorksPage() {
  return (
    <ContentLayout
      header={
        <Header variant="h1" description="From a reference machine to a master deployed on many machines.">
          How imaging works
        </Header>
      }
    >
      <SpaceBetween size="l">
        <Container>
          <ColumnLayout columns={4} variant="text-grid">
            <Flow title="1. Reference machine" text="A fresh Windows, prepared for imaging." />
            <Flow title="2. Backup image" text="A capture of its disk, taken from the network boot menu." />
            <Flow title="3. Master" text="The backup image, promoted: a golden image of the entity." />
            <Flow title="4. Deployment" text="The master installed on machines, then post-imaging scripts." />
          </ColumnLayout>
        </Container>

        <Container header={<Header variant="h2">Create a master</Header>}>
          <ol className="marrow-steps">
            <Step title="Register the reference machine">
              Boot it from the network and choose <em>Register this machine</em>, or register its MAC address on the{' '}
              <RouterLink href="/machines">Machines</RouterLink> page. Once registered, the network boot menu offers the <em>backup</em> item.
            </Step>
            <Step title="Start from a fresh Windows">
              Back up a computer running a fresh copy of Windows, straight out of the box. When it first starts, skip the OOBE (Out of Box
              Experience: the questions of the Windows installation), for example with Ctrl+Shift+F3, which restarts it in audit mode.
            </Step>
            <Step title="Check that no reboot is pending">
              A pending reboot (after updates) would be replayed on every deployed machine. In PowerShell:
              <Code text={PENDING_REBOOT} label="Command that checks for a pending reboot" />
            </Step>
            <Step title="Configure Windows if needed">Basic settings only, such as creating a user account; software is better installed by post-imaging scripts or your agent.</Step>
            <Step title="Run prepare-master.ps1">
              As administrator, run the <code>prepare-master.ps1</code> script of the Marrow imaging tools: it generalises Windows (sysprep) so
              every deployed machine gets its own identity. It refuses to run while a reboot is pending or BitLocker protects the system
              drive, cleans temporary files and logs, then runs sysprep and shuts the machine down.
              <Box margin={{ top: 'xs' }}>
                <Button href="/tools/prepare-master.ps1" download="prepare-master.ps1" iconName="download">
                  Download prepare-master.ps1
                </Button>
              </Box>
              <Code text={PREPARE} label="Command that runs prepare-master.ps1" />
            </Step>
            <Step title="Reboot and back up">
              Reboot the machine from the network and choose <em>Back up this machine</em> in the menu. The capture appears on the{' '}
              <RouterLink href="/backup-images">Backup images</RouterLink> page.
            </Step>
            <Step title="Promote to master">
              On the <RouterLink href="/backup-images">Backup images</RouterLink> page, choose <em>Promote to master</em> on the ready
              backup image. Add the master to the default startup menu if machines should be able to pick it at boot.
            </Step>
            <Step title="Deploy">
              Check on the <RouterLink href="/imaging-server-status">Imaging server status</RouterLink> page that the imaging server of the
              entity is <strong>Available</strong>, then <RouterLink href="/deployments/new">create a deployment</RouterLink>: the master,
              the machines, the <RouterLink href="/post-imaging-scripts">post-imaging scripts</RouterLink>, now or at a time, with Wake-on-LAN.
            </Step>
          </ol>
        </Container>

        <Container header={<Header variant="h2" description="Optional">Import an existing image</Header>}>
          <SpaceBetween size="s">
            <Box variant="p">
              Images made with another tool do not need a reference machine: <code>import_master</code>, run on the imaging server, imports
              an existing disk image as a master of its entity. It then appears on the <RouterLink href="/masters">Masters</RouterLink> page
              like any other.
            </Box>
            <Alert type="info">Before using a master, check that it matches the configuration you want: operating system, version and installed software.</Alert>
          </SpaceBetween>
        </Container>
      </SpaceBetween>
    </ContentLayout>
  );
}

function Flow({ title, text }: { title: string; text: string }) {
  return (
    <div>
      <Box variant="awsui-key-label">{title}</Box>
      <div>{text}</div>
    </div>
  );
}

function Step({ title, children }: { title: string; children: ReactNode }) {
  return (
    <li className="marrow-steps__step">
      <Box variant="h3" tagOverride="h3">
        {title}
      </Box>
      <Box color="text-body-secondary" margin={{ top: 'xxs' }}>
        {children}
      </Box>
    </li>
  );
}

function Code({ text, label }: { text: string; label: string }) {
  return (
    <div className="marrow-howto-code">
      <pre aria-label={label} tabIndex={0}>
        {text}
      </pre>
      <CopyToClipboard variant="icon" textToCopy={text} copyButtonAriaLabel={`Copy: ${label}`} copySuccessText="Copied" copyErrorText="Could not copy" />
    </div>
  );
}
