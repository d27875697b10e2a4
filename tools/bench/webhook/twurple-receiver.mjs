// Baseline for the webhook benchmark: @twurple/eventsub-http's EventSubMiddleware on Express with a
// channel.chat.message handler (what a typical Node EventSub consumer runs). It verifies the HMAC,
// parses the body, drops repeated message ids (in memory, one process) and calls the handler.
// Never marked ready, so it makes no Twitch API call. Usage: node twurple-receiver.mjs <port> <secret> <broadcasterId>
// Prints `ready <path>` with the path deliveries go to.
import { ApiClient } from '@twurple/api';
import { AppTokenAuthProvider } from '@twurple/auth';
import { EventSubMiddleware } from '@twurple/eventsub-http';
import express from 'express';

const [port, secret, broadcasterId] = process.argv.slice(2);
const app = express();
const middleware = new EventSubMiddleware({
  apiClient: new ApiClient({ authProvider: new AppTokenAuthProvider('bench-client-id', 'bench-client-secret') }),
  hostName: 'bench.example.com',
  pathPrefix: '/eventsub',
  secret,
  logger: { minLevel: 'error' },
});
middleware.apply(app);
let handled = 0;
const subscription = middleware.onChannelChatMessage(broadcasterId, broadcasterId, (event) => {
  // Touch what a consumer reads; the text goes nowhere.
  if (event.messageText.length > 0 && event.chatterId) handled++;
});
process.on('SIGTERM', () => {
  process.stdout.write(`handled ${handled}\n`);
  process.exit(0);
});
app.listen(Number(port), '127.0.0.1', () => process.stdout.write(`ready /eventsub/event/${subscription.id}\n`));
