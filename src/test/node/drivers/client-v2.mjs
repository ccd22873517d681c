// SDK v2 (@modelcontextprotocol/client 2.x) pinned to the stateless 2026-07-28 era: no initialize,
// server/discover, the per-request _meta envelope and the Mcp-Method / Mcp-Name headers.
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { run } from './scenarios.mjs';

await run({
  sdk: 'v2',
  makeClient: () => new Client({ name: 'bastion-e2e-v2', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } }),
  // callTool's request options are its third argument in v1 and its second in v2.
  callWithOptions: (client, params, options) => client.callTool(params, options),
  makeTransport: (url, opts) => new StreamableHTTPClientTransport(url, opts),
});
