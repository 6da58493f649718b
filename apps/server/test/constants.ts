/** The password every test user signs in with. */
export const TEST_PASSWORD = 'Tessellate-Quorum-4417';
