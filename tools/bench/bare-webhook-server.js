// Baseline for the webhook benchmark: a bare node:http server that only checks the EventSub HMAC
// (id + timestamp + raw body, constant-time compare) and answers 204, or 403 when it does not verify
// (headers missing included). Usage: node bare-webhook-server.js <port> <secret>
const { createServer } = require('node:http');
const { createHmac, timingSafeEqual } = require('node:crypto');

const [port, secret] = process.argv.slice(2);

function verified(headers, body) {
  const id = headers['twitch-eventsub-message-id'];
  const timestamp = headers['twitch-eventsub-message-timestamp'];
  const signature = headers['twitch-eventsub-message-signature'];
  if (!id || !timestamp || !signature) return false;
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(id + timestamp).update(body).digest('hex')}`);
  const received = Buffer.from(signature);
  return expected.length === received.length && timingSafeEqual(expected, received);
}

createServer((request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    response.statusCode = verified(request.headers, Buffer.concat(chunks)) ? 204 : 403;
    response.end();
  });
}).listen(Number(port), '127.0.0.1', () => process.stdout.write('ready\n'));
