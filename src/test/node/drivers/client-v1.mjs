// SDK v1 (@modelcontextprotocol/sdk 1.x): the 2025-11-25 era, sessions, initialize.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { run } from './scenarios.mjs';

await run({
  sdk: 'v1',
  // Declares form elicitation and answers every elicitation as a user would (relayed by Bastion).
  makeClient: () => {
    const client = new Client({ name: 'bastion-e2e-v1', version: '1.0.0' }, { capabilities: { elicitation: {} } });
    client.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'accept', content: { name: 'Ada Lovelace' } }));
    return client;
  },
  // callTool's request options are its third argument in v1 and its second in v2.
  callWithOptions: (client, params, options) => client.callTool(params, undefined, options),
  makeTransport: (url, opts) => new StreamableHTTPClientTransport(url, opts),
});
