// Exits 0 when Redis answers PING at the given URL (default STREAM_REDIS_URL or localhost), 1 otherwise.
const Redis = require('ioredis');

const url = process.argv[2] || process.env.STREAM_REDIS_URL || 'redis://127.0.0.1:6379';
const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2000 });
client.on('error', () => undefined);
client
  .connect()
  .then(() => client.ping())
  .then(() => process.exit(0))
  .catch(() => process.exit(1));
