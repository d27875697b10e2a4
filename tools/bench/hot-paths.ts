/**
 * The hot paths of issue #15 in one command, each beside its baseline measured in the same run:
 *
 *   npm run bench:hot-paths [-- --quick]
 *
 * 1. Webhook ingest (bench:webhook): control-api vs a bare node:http HMAC receiver and
 *    @twurple/eventsub-http, load generator and receiver pinned to separate cores.
 * 2. Pulse publishing (bench:pulse): tick time and lateness per replica at 10k/50k sessions with
 *    1, 2 and 4 pulse-publisher replicas (the 1-replica row is the baseline).
 * 3. Broadcast (bench:broadcast): API start → first keyframe vs a tuned bare ffmpeg relay, and worker
 *    SIGKILL → the adopter's first keyframe vs a bare relay killed and respawned.
 * Each part starts its own redis-server (and database), removes everything it made, and runs after
 * the previous one has stopped, so no part measures another's load. --quick: fewer rounds, 10k only.
 * Prints the three tables again at the end, together.
 */
import { runBroadcastBench } from './broadcast';
import { pulseTable, runPulseBench } from './pulse-tick';
import { runWebhookBench } from './webhook-throughput';
import { runMain } from '../shared/bench-kit';

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const started = Date.now();
  const part = (title: string) => console.log(`\n=== ${title} (${Math.round((Date.now() - started) / 1000)} s in) ===\n`);

  part('1/3 webhook ingest');
  const webhook = await runWebhookBench(quick ? { rounds: 3 } : {});
  part('2/3 pulse publishing');
  const pulses = await runPulseBench(quick ? { sessions: [10_000], replicas: [1, 2] } : {});
  part('3/3 broadcast start and failover');
  const broadcast = await runBroadcastBench({ rounds: quick ? 3 : 5 });

  console.log(`\n=== Summary (${Math.round((Date.now() - started) / 1000)} s) ===\n`);
  console.log(webhook.markdown);
  console.log(`control-api's accounting: ${webhook.session.accepted} accepted, ${webhook.session.shed} shed (burst limit ${webhook.session.burstLimitPerSecond}/s per session)\n`);
  console.log(pulseTable(pulses));
  console.log('\n| broadcast | ours | same-run baseline | ratio |\n|---|---|---|---|');
  for (const row of broadcast) console.log(`| ${row.measure} | ${row.ours} | ${row.baseline} | ${row.ratio} |`);
}

runMain(main);
