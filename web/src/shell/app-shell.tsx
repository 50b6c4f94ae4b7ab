import { Suspense, useEffect, useState } from 'react';
import AppLayout from '@cloudscape-design/components/app-layout';
import BreadcrumbGroup from '@cloudscape-design/components/breadcrumb-group';
import { Outlet, useLocation, useMatches, useNavigate } from 'react-router';
import { SelectedEntityProvider } from '../entities/selected-entity';
import { PageLoading } from '../components/page-states';
import { RouteErrorBoundary } from '../components/route-error-boundary';
import { Notifications } from './notifications';
import type { RouteHandle } from './route-handle';
import { ShellSlotsProvider, useShellSlots } from './shell-slots';
import { SideNav } from './side-nav';
import { TopBar } from './top-bar';
import './app-shell.css';

/** The console frame: top bar, side navigation, breadcrumbs, notifications, help and split panels. */
export function AppShell() {
  return (
    <SelectedEntityProvider>
      <ShellSlotsProvider>
        <Frame />
      </ShellSlotsProvider>
    </SelectedEntityProvider>
  );
}

function Frame() {
  const navigate = useNavigate();
  const location = useLocation();
  const matches = useMatches();
  const handle = [...matches].reverse().find((m) => m.handle)?.handle as RouteHandle | undefined;
  const { splitPanel, help } = useShellSlots();
  const [navigationOpen, setNavigationOpen] = useState(true);
  const [toolsOpen, setToolsOpen] = useState(false);
  const [splitPanelOpen, setSplitPanelOpen] = useState(true);
  const [splitPanelSize, setSplitPanelSize] = useState(() => Math.round(window.innerHeight * 0.55));

  // A newly shown split panel (a deployment just selected) opens.
  useEffect(() => {
    if (splitPanel) setSplitPanelOpen(true);
  }, [splitPanel]);

  const crumbs = [{ text: 'Marrow', href: '/' }, ...(handle?.crumbs ?? [])];
  return (
    <>
      <div id="marrow-top-bar" className="marrow-top-bar">
        <TopBar />
      </div>
      <AppLayout
        headerSelector="#marrow-top-bar"
        navigation={<SideNav />}
        navigationOpen={navigationOpen}
        onNavigationChange={({ detail }) => setNavigationOpen(detail.open)}
        breadcrumbs={
          <BreadcrumbGroup
            items={crumbs}
            ariaLabel="Breadcrumbs"
            onFollow={(event) => {
              event.preventDefault();
              navigate(event.detail.href);
            }}
          />
        }
        notifications={<Notifications />}
        contentType={handle?.contentType ?? 'default'}
        tools={help ?? undefined}
        toolsHide={!help}
        toolsOpen={toolsOpen}
        onToolsChange={({ detail }) => setToolsOpen(detail.open)}
        splitPanel={splitPanel ?? undefined}
        splitPanelOpen={splitPanelOpen}
        onSplitPanelToggle={({ detail }) => setSplitPanelOpen(detail.open)}
        splitPanelPreferences={{ position: 'bottom' }}
        splitPanelSize={splitPanelSize}
        onSplitPanelResize={({ detail }) => setSplitPanelSize(detail.size)}
        content={
          <RouteErrorBoundary key={location.pathname}>
            <Suspense fallback={<PageLoading text="Loading page" />}>
              <Outlet />
            </Suspense>
          </RouteErrorBoundary>
        }
      />
    </>
  );
}
