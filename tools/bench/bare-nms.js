// Baseline for the ingest benchmark: node-media-server 4.4.3 with no auth and no registry, printing
// one JSON line per accepted publish. Usage: node tools/bench/bare-nms.js <rtmpPort> <storeDir>
const NodeMediaServer = require('node-media-server');
const nmsLogger = require('node-media-server/src/core/logger.js');

nmsLogger.log = () => undefined;
const [port, storeDir] = process.argv.slice(2);
const nms = new NodeMediaServer({ bind: '127.0.0.1', rtmp: { port: Number(port) }, http: {}, store: { path: storeDir } });
nms.on('postPublish', (session) => process.stdout.write(`${JSON.stringify({ event: 'postPublish', name: session.streamName, at: Date.now() })}\n`));
nms.run().then(() => process.stdout.write(`${JSON.stringify({ event: 'ready' })}\n`));
process.on('SIGTERM', () => nms.stop().then(() => process.exit(0)));
