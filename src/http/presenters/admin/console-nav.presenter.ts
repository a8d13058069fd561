import type { StaffRole } from '../../../staff/staff.queries.js';

interface NavLink {
  href: string;
  text: string;
  /** Only admins see it. */
  isAdminOnly?: boolean;
}

/** The console's pages grouped by the job staff come to do. */
const GROUPS: { id: string; label: string | null; links: NavLink[] }[] = [
  { id: 'home', label: null, links: [{ href: '/admin', text: 'Dashboard' }] },
  {
    id: 'sales',
    label: 'Sales',
    links: [
      { href: '/admin/orders', text: 'Orders' },
      { href: '/admin/events', text: 'Webhook events' },
      { href: '/admin/products', text: 'Products' },
    ],
  },
  {
    id: 'money',
    label: 'Money',
    links: [
      { href: '/admin/reconciliation', text: 'Reconciliation' },
      { href: '/admin/donations', text: 'Donations paid' },
      { href: '/admin/rules', text: 'Conversion rules' },
    ],
  },
  {
    id: 'impact',
    label: 'Impact',
    links: [
      { href: '/admin/census', text: 'Census' },
      { href: '/admin/field-notes', text: 'Field note' },
      { href: '/admin/camera-data', text: 'Camera data' },
    ],
  },
  {
    id: 'email',
    label: 'Email',
    links: [
      { href: '/admin/emails', text: 'Emails' },
      { href: '/admin/deliverability', text: 'Bounces' },
    ],
  },
  {
    id: 'admin',
    label: 'Admin',
    links: [
      { href: '/admin/staff', text: 'Staff accounts', isAdminOnly: true },
      { href: '/admin/audit', text: 'Audit log' },
    ],
  },
];

/**
 * The navigation for a member on a page: the links their role opens, grouped, with the page they
 * are on (or the section it belongs to: an order is under Orders) marked current.
 */
export function consoleNavView(currentPath: string, role: StaffRole) {
  const links = GROUPS.flatMap((group) => group.links);
  const current = links
    .filter((link) => currentPath === link.href || (link.href !== '/admin' && currentPath.startsWith(`${link.href}/`)))
    .sort((a, b) => b.href.length - a.href.length)[0];
  return GROUPS.map((group) => ({
    id: group.id,
    label: group.label,
    links: group.links
      .filter((link) => !link.isAdminOnly || role === 'admin')
      .map((link) => ({ href: link.href, text: link.text, isCurrent: link === current })),
  })).filter((group) => group.links.length > 0);
}
