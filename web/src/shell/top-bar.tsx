import { useState } from 'react';
import TopNavigation, { type TopNavigationProps } from '@cloudscape-design/components/top-navigation';
import type { Role } from '@marrow/shared';
import { useNavigate } from 'react-router';
import { useSession } from '../auth/session';
import { TenantSwitchModal } from './tenant-switch-modal';

export const roleLabels: Record<Role, string> = {
  'msp-operator': 'MSP operator',
  'tenant-admin': 'Tenant administrator',
  'read-only': 'Read-only',
};

/** Tenants listed directly in the switcher; beyond this, "All tenants…" opens a searchable list. */
const MENU_TENANTS = 8;

export function TopBar() {
  const { me, tenants, tenantId, switchTenant, signOut } = useSession();
  const navigate = useNavigate();
  const [choosing, setChoosing] = useState(false);
  const current = tenants.find((t) => t.id === tenantId);
  const switchable = tenants.length > 1 || me.role === 'msp-operator';

  const listed = tenants.length > MENU_TENANTS ? [current!, ...tenants.filter((t) => t.id !== tenantId).slice(0, MENU_TENANTS - 1)] : tenants;
  const tenantMenu: TopNavigationProps.MenuDropdownUtility = {
    type: 'menu-dropdown',
    text: current?.name ?? 'Tenant',
    description: 'Switch tenant',
    ariaLabel: `Tenant: ${current?.name ?? ''}. Switch tenant`,
    iconName: 'group',
    title: 'Tenant',
    items: [
      ...listed.map((t) => ({ id: t.id, text: t.name, checked: t.id === tenantId, itemType: 'checkbox' as const })),
      ...(tenants.length > MENU_TENANTS ? [{ id: '__all', text: `All ${tenants.length} tenants…` }] : []),
    ],
    onItemClick: ({ detail }) => {
      if (detail.id === '__all') setChoosing(true);
      else if (detail.id !== tenantId) {
        switchTenant(detail.id);
      }
    },
  };

  const utilities: TopNavigationProps.Utility[] = [
    // A user of one tenant has nothing to switch: the tenant is named in the user menu instead.
    ...(switchable ? [tenantMenu] : []),
    {
      type: 'button',
      text: 'How imaging works',
      iconName: 'support',
      href: '/how-imaging-works',
      onClick: (event) => {
        event.preventDefault();
        navigate('/how-imaging-works');
      },
    },
    {
      type: 'menu-dropdown',
      text: me.username,
      description: switchable ? roleLabels[me.role] : `${roleLabels[me.role]} · ${current?.name ?? ''}`,
      iconName: 'user-profile',
      items: [{ id: 'sign-out', text: 'Sign out' }],
      onItemClick: ({ detail }) => {
        if (detail.id === 'sign-out') signOut();
      },
    },
  ];

  return (
    <>
      <TopNavigation
        identity={{
          href: '/',
          title: 'Marrow',
          logo: { src: LOGO, alt: 'Marrow' },
          onFollow: (event) => {
            event.preventDefault();
            navigate('/');
          },
        }}
        utilities={utilities}
      />
      {choosing && <TenantSwitchModal onClose={() => setChoosing(false)} />}
    </>
  );
}

const LOGO =
  "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='32' height='32' viewBox='0 0 32 32'%3E%3Crect width='32' height='32' rx='6' fill='%23006ce0'/%3E%3Ctext x='16' y='23' font-family='Arial' font-size='20' font-weight='bold' fill='white' text-anchor='middle'%3EM%3C/text%3E%3C/svg%3E";
