import SideNavigation, { type SideNavigationProps } from '@cloudscape-design/components/side-navigation';
import { useLocation, useNavigate } from 'react-router';

/** The pages of the imaging module, in the order an administrator works through them. */
const items: SideNavigationProps.Item[] = [
  { type: 'link', text: 'Imaging server status', href: '/imaging-server-status' },
  { type: 'link', text: 'Fleet', href: '/fleet' },
  { type: 'divider' },
  {
    type: 'section',
    text: 'Images',
    items: [
      { type: 'link', text: 'Masters', href: '/masters' },
      { type: 'link', text: 'Backup images', href: '/backup-images' },
      { type: 'link', text: 'Archive storage', href: '/archive-storage' },
    ],
  },
  { type: 'link', text: 'Machines', href: '/machines' },
  {
    type: 'section',
    text: 'Network boot',
    items: [
      { type: 'link', text: 'Startup services', href: '/startup-services' },
      { type: 'link', text: 'Default startup menu', href: '/default-startup-menu' },
    ],
  },
  { type: 'link', text: 'Post-imaging scripts', href: '/post-imaging-scripts' },
  { type: 'link', text: 'Answer files', href: '/answer-files' },
  { type: 'link', text: 'Deployments', href: '/deployments' },
  { type: 'divider' },
  { type: 'link', text: 'Entities', href: '/entities' },
  { type: 'divider' },
  { type: 'link', text: 'How imaging works', href: '/how-imaging-works' },
];

export function SideNav() {
  const navigate = useNavigate();
  const { pathname } = useLocation();
  const activeHref = `/${pathname.split('/')[1] ?? ''}`;
  return (
    <SideNavigation
      header={{ text: 'Imaging', href: '/imaging-server-status' }}
      activeHref={activeHref}
      items={items}
      onFollow={(event) => {
        if (event.detail.external) return;
        event.preventDefault();
        navigate(event.detail.href);
      }}
    />
  );
}
