// An oidc-provider authorization server for collect's tests: dynamic client
// registration, PKCE S256, resource indicators with JWT access tokens whose
// aud is the MCP server, and the built-in development login and consent
// pages (any login and password). Configured by environment: PORT; MCP_URL,
// the resource it mints tokens for; and OTHER_RESOURCE, optional, a second
// resource whose tokens the MCP server must refuse (audience binding). In
// memory only.
import Provider, { errors } from 'oidc-provider';

const PORT = Number(process.env.PORT);
const MCP = process.env.MCP_URL;
const OTHER = process.env.OTHER_RESOURCE;
if (!PORT || !MCP) {
  console.error('as.mjs needs PORT and MCP_URL');
  process.exit(2);
}
const ISSUER = `http://127.0.0.1:${PORT}`;

const provider = new Provider(ISSUER, {
  clients: [],
  scopes: ['openid', 'offline_access', 'mcp:read', 'mcp:write'],
  pkce: { required: () => true },
  cookies: { keys: ['dossier-test-only-cookie-key'] },
  features: {
    devInteractions: { enabled: true },
    registration: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: (ctx, client, oneOf) => oneOf ?? MCP,
      useGrantedResource: () => true,
      getResourceServerInfo: (ctx, resource) => {
        if (resource !== MCP && (!OTHER || resource !== OTHER)) throw new errors.InvalidTarget();
        return { scope: 'mcp:read mcp:write', audience: resource, accessTokenTTL: 600, accessTokenFormat: 'jwt' };
      },
    },
  },
});

const server = provider.listen(PORT, '127.0.0.1', () => {
  console.error(`as.mjs: issuer ${ISSUER}, resource ${MCP}`);
});
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => server.close(() => process.exit(0)));
