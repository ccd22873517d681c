// SDK v1 (@modelcontextprotocol/sdk 1.x): the 2025-11-25 era, sessions, initialize.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CreateMessageRequestSchema, ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { run } from './scenarios.mjs';

await run({
  sdk: 'v1',
  // Declares form and URL elicitation and sampling, and answers them as a user and a model would
  // (relayed by Bastion): a form with a name, a URL by accepting (no content), sampling with a
  // canned model message.
  makeClient: () => {
    const client = new Client(
      { name: 'bastion-e2e-v1', version: '1.0.0' },
      { capabilities: { elicitation: { form: {}, url: {} }, sampling: {} } },
    );
    client.setRequestHandler(ElicitRequestSchema, async (request) =>
      request.params.mode === 'url' ? { action: 'accept' } : { action: 'accept', content: { name: 'Ada Lovelace' } },
    );
    client.setRequestHandler(CreateMessageRequestSchema, async () => ({
      role: 'assistant',
      content: { type: 'text', text: 'Bastion relayed this answer.' },
      model: 'e2e-model',
      stopReason: 'endTurn',
    }));
    return client;
  },
  // callTool's request options are its third argument in v1 and its second in v2.
  callWithOptions: (client, params, options) => client.callTool(params, undefined, options),
  makeTransport: (url, opts) => new StreamableHTTPClientTransport(url, opts),
});
