/**
 * `npm run demo`: the project's two jobs against the stack `npm start` runs, with no platform account.
 *
 *   npm run demo -- [seconds=30] [deliveriesPerSecond=4] [--only pulses|broadcast]
 *
 * Part 1 (pulse-demo.ts): signed custom-webhook chat in, anonymous sentiment pulses out, then the
 * accounting. Part 2 (broadcast-demo.ts): camera → broadcast → a local RTMP platform, with a fallback
 * switch and back, as a timeline. Exit code 0 when both parts did what they print, 1 otherwise.
 */
import { runBroadcastDemo } from './broadcast-demo';
import { connectToLocalStack } from './demo-kit';
import { runPulseDemo } from './pulse-demo';

const USAGE = `Usage: npm run demo -- [seconds=30] [deliveriesPerSecond=4] [--only pulses|broadcast]
Needs the local stack running (npm start in another terminal). Part 1 sends signed custom-webhook
deliveries for a fresh demo account and prints the anonymous sentiment pulses as they arrive, then the
accounting. Part 2 broadcasts a test-pattern camera to a local RTMP server, kills and revives the
camera, and prints the timeline (source switches, freezes seen at the receiving server).`;

async function main(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const onlyAt = args.indexOf('--only');
  const only = onlyAt >= 0 ? args[onlyAt + 1] : undefined;
  const numbers = args.filter((_, i) => onlyAt < 0 || (i !== onlyAt && i !== onlyAt + 1));
  const [seconds, rate] = [Number(numbers[0] ?? 30), Number(numbers[1] ?? 4)];
  if (!(seconds > 0 && seconds <= 3600) || !(rate > 0 && rate <= 100) || (onlyAt >= 0 && only !== 'pulses' && only !== 'broadcast')) {
    console.error(`seconds must be 1-3600, deliveriesPerSecond 1-100, --only pulses or broadcast\n${USAGE}`);
    return 2;
  }
  const stack = await connectToLocalStack();
  if (typeof stack === 'string') {
    console.error(stack);
    return 1;
  }
  let ok = true;
  if (only !== 'broadcast') {
    console.log('== Part 1: chat in, anonymous pulses out ==\n');
    ok = (await runPulseDemo(stack, seconds, rate)) && ok;
  }
  if (only !== 'pulses') {
    console.log('\n== Part 2: camera → broadcast → a local RTMP platform, with a fallback switch ==\n');
    ok = (await runBroadcastDemo(stack)) && ok;
  }
  return ok ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`demo failed: ${(error as Error).message}`);
    process.exit(1);
  },
);
