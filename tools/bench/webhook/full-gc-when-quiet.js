// Preloaded into bench:webhook's control-api rows with WEBHOOK_BENCH_FULL_GC_WHEN_QUIET=1 (and --expose-gc):
// one full GC at the process's first quiet second after boot (event loop at most 5 % busy over a
// second). The bench otherwise measures processes a few seconds old, in which nothing long-lived has
// been through a full GC yet, as everything in a process that has run a while has (old-space growth,
// V8's memory reducer): a cost that shows only once that has happened stays hidden without it.
const { performance } = require('node:perf_hooks');

let last = performance.eventLoopUtilization();
const timer = setInterval(() => {
  const now = performance.eventLoopUtilization();
  const busy = performance.eventLoopUtilization(now, last).utilization;
  last = now;
  if (process.uptime() > 4 && busy < 0.05) {
    clearInterval(timer);
    global.gc();
  }
}, 1000);
timer.unref();
