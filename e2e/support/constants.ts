/** Password of the seeded platform admin and demo users in the end-to-end server. */
export const DEMO_PASSWORD = 'E2E-Demo-Password-2026';

export const ADMIN_EMAIL = 'admin@demo.cdp.local';
export const PLATFORM_EMAIL = 'platform@cdp.local';
