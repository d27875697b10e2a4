// Baseline for the webhook benchmark: a bare node:http server that only checks the EventSub HMAC
// (id + timestamp + raw body, constant-time compare) and answers 204. Usage: node bare-webhook-server.js <port> <secret>
const { createServer } = require('node:http');
const { createHmac, timingSafeEqual } = require('node:crypto');

const [port, secret] = process.argv.slice(2);
createServer((request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    const body = Buffer.concat(chunks);
    const expected = Buffer.from(
      `sha256=${createHmac('sha256', secret).update(request.headers['twitch-eventsub-message-id'] + request.headers['twitch-eventsub-message-timestamp']).update(body).digest('hex')}`,
    );
    const received = Buffer.from(String(request.headers['twitch-eventsub-message-signature'] ?? ''));
    response.statusCode = expected.length === received.length && timingSafeEqual(expected, received) ? 204 : 403;
    response.end();
  });
}).listen(Number(port), '127.0.0.1', () => process.stdout.write('ready\n'));
