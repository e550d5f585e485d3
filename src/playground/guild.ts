/** The playground's Discord server: its channels, a role, and the people you can be on the page. */

export const GUILD_ID = '600000000000000001';
export const GENERAL_CHANNEL_ID = '600000000000000011';
export const REVIEW_CHANNEL_ID = '600000000000000012';
export const REVIEWER_ROLE_ID = '600000000000000021';

const MEMBER_PERMISSIONS = (1n << 10n) | (1n << 11n) | (1n << 14n) | (1n << 15n) | (1n << 16n) | (1n << 31n);
const MANAGE_SERVER = 1n << 5n;

export interface Persona {
  id: string;
  name: string;
  /** What the member list says about them. */
  about: string;
  permissions: string;
  roles: string[];
}

/** Who you can be on the page: two members and an admin with Manage Server. */
export const PERSONAS: readonly Persona[] = [
  { id: '700000000000000001', name: 'Ada', about: 'member', permissions: String(MEMBER_PERMISSIONS), roles: [] },
  { id: '700000000000000002', name: 'Ben', about: 'member · reviewers role', permissions: String(MEMBER_PERMISSIONS), roles: [REVIEWER_ROLE_ID] },
  { id: '700000000000000003', name: 'Cleo', about: 'admin · Manage Server', permissions: String(MEMBER_PERMISSIONS | MANAGE_SERVER), roles: [] },
];
