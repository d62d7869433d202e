// A real OpenID Connect provider for the sign-on tests: `oidc-provider`
// from npm (a certified implementation), configured as ProConnect behaves
// (client secret in the token request's body, no PKCE, ProConnect's
// scopes, userinfo as a signed JWT, `acr` values, logout with
// `id_token_hint`).
//
// Usage: node oidc_provider.mjs MODULE CLIENT_ID CLIENT_SECRET REDIRECT_URIS POST_LOGOUT_URIS
// (MODULE: the path of oidc-provider's lib/index.js; the addresses separated
// by commas). It prints its port
// first. The login page is the one part a provider leaves to its operator:
// here it logs in at once as the person `POST /control` named last, with the
// `acr` given. `POST /control` also shortens the next codes' lifetime
// (`code_ttl`, seconds) or alters the next ID token's payload after signing
// (`tamper`).

import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import { pathToFileURL } from 'node:url';

const [modulePath, clientId, clientSecret, redirectUris, postLogoutUris] = process.argv.slice(2);
const { default: Provider } = await import(pathToFileURL(modulePath).href);
// The provider's own in-memory store, named as ours: a test's provider
// lives for that test only (the default one is reported as a quick start).
const { default: MemoryAdapter } = await import(new URL('adapters/memory_adapter.js', pathToFileURL(modulePath)).href);
class TestStore extends MemoryAdapter {}
// Keys of this run, not the library's published development keys.
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'labelflow-test', use: 'sig', alg: 'RS256' };

const next = {
  sub: 'agent-1',
  email: 'agent@example.gouv.fr',
  given_name: 'Camille',
  usual_name: 'Martin',
  acr: 'eidas1',
  code_ttl: 60,
  tamper: false,
};
const people = new Map();

const server = http.createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();
// `localhost`, not 127.0.0.1: the provider's cookies and labelflow's stay
// apart in a browser's jar, as they would on two hosts.
const issuer = `http://localhost:${port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: redirectUris.split(','),
    post_logout_redirect_uris: postLogoutUris.split(','),
    token_endpoint_auth_method: 'client_secret_post',
    userinfo_signed_response_alg: 'RS256',
    grant_types: ['authorization_code'],
    response_types: ['code'],
  }],
  scopes: ['openid', 'email', 'given_name', 'usual_name', 'siret', 'uid', 'idp_id'],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    given_name: ['given_name'],
    usual_name: ['usual_name'],
    siret: ['siret'],
    uid: ['uid'],
    idp_id: ['idp_id'],
  },
  acrValues: ['eidas1', 'eidas2', 'eidas3'],
  pkce: { required: () => false },
  features: {
    devInteractions: { enabled: false },
    jwtUserinfo: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
  cookies: { keys: ['labelflow-test-provider'] },
  adapter: TestStore,
  jwks: { keys: [signingKey] },
  ttl: {
    AuthorizationCode: () => next.code_ttl,
    IdToken: 3600,
    AccessToken: 3600,
    Session: 3600,
    Interaction: 600,
    Grant: 3600,
  },
  findAccount: async (ctx, sub) => ({
    accountId: sub,
    claims: async () => ({ sub, ...(people.get(sub) ?? {}) }),
  }),
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  renderError: async (ctx, out) => {
    ctx.type = 'json';
    ctx.body = out;
  },
});
provider.proxy = false;

// The ID token's payload changed after signing: its signature no longer holds.
provider.use(async (ctx, nextMiddleware) => {
  await nextMiddleware();
  if (ctx.path === '/token' && next.tamper && ctx.body && ctx.body.id_token) {
    next.tamper = false;
    const [header, payload, signature] = ctx.body.id_token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    claims.sub = `${claims.sub}-forged`;
    ctx.body = { ...ctx.body, id_token: [header, Buffer.from(JSON.stringify(claims)).toString('base64url'), signature].join('.') };
  }
});

async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  if (details.prompt.name === 'login') {
    people.set(next.sub, {
      email: next.email,
      email_verified: true,
      given_name: next.given_name,
      usual_name: next.usual_name,
      uid: next.sub,
      siret: '13002526500013',
      idp_id: 'test-idp',
    });
    const login = { accountId: next.sub, acr: next.acr, amr: next.acr === 'eidas1' ? ['pwd'] : ['pwd', 'otp'] };
    await provider.interactionFinished(req, res, { login }, { mergeWithLastSubmission: false });
    return;
  }
  const { prompt: { details: missing }, params, session } = details;
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

const callback = provider.callback();
server.on('request', (req, res) => {
  if (req.url.startsWith('/interaction/')) {
    interaction(req, res).catch((error) => {
      res.statusCode = 500;
      res.end(String(error));
    });
    return;
  }
  if (req.url === '/control' && req.method === 'POST') {
    let body = '';
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => {
      Object.assign(next, JSON.parse(body));
      res.statusCode = 204;
      res.end();
    });
    return;
  }
  callback(req, res);
});

process.stdout.write(`${port}\n`);
