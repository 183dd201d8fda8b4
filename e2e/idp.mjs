// A real OpenID Connect provider for the browser journeys (oidc-provider, from npm), standing
// in for a council's Microsoft Entra ID tenant: one confidential client for carepanel, PKCE
// required, and people whose ID tokens carry an email and app roles, as Entra's do.

import Provider from 'oidc-provider';

/** The people the provider knows, by the login typed on its sign-in page. */
const PEOPLE = {
  'bexley-tm': {
    email: 'team-manager@bexley.example',
    name: 'Bexley team manager',
    roles: ['CarePanel.FinanceReader'],
  },
  stranger: { email: 'stranger@bexley.example', name: 'Not known to carepanel', roles: [] },
};

export const CLIENT_ID = 'carepanel-bexley';
export const CLIENT_SECRET = 'browser-test-client-secret';

/** Starts the provider on `port`, sending people back to `redirectUri`; returns a stopper. */
export async function startIdp(port, redirectUri) {
  const provider = new Provider(`http://127.0.0.1:${port}`, {
    clients: [{
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    }],
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'preferred_username', 'roles'],
    },
    // The scopes' claims go in the ID token itself, as Entra puts roles there.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true } },
    cookies: { keys: ['browser-test-cookie-key'] },
    async findAccount(_ctx, id) {
      const person = PEOPLE[id] ?? { email: `${id}@nowhere.example`, name: id, roles: [] };
      return {
        accountId: id,
        async claims() {
          return { sub: `subject-${id}`, email_verified: true, preferred_username: person.email, ...person };
        },
      };
    },
  });
  const server = provider.listen(port, '127.0.0.1');
  await new Promise((resolve) => server.on('listening', resolve));
  return () => new Promise((resolve) => server.close(resolve));
}
