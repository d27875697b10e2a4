// A jest testSequencer whose `--shard=i/n` splits a project's files by how long each is expected to
// take, instead of jest's default (a hash of each path, blind to durations: control-api's three
// integration shards took 128, 115 and 219 s of their files' time in one `npm test`).
// The expected seconds come from <rootDir>/jest.shard-weights.json ({ "<path from rootDir>": seconds });
// a file not listed there counts as the median. Longest first, each file goes to the shard with the
// least so far: every shard process computes the same split from the same files and table. A stale
// table only unbalances the shards, it never drops or repeats a file. Order within a shard is jest's.
const { existsSync, readFileSync } = require('node:fs');
const { join, relative, sep } = require('node:path');
const Sequencer = require('@jest/test-sequencer').default;

function weightsOf(rootDir) {
  const file = join(rootDir, 'jest.shard-weights.json');
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length > 0 ? sorted[Math.floor(sorted.length / 2)] : 1;
}

class WeightedShardSequencer extends Sequencer {
  shard(tests, { shardIndex, shardCount }) {
    const tables = new Map();
    const weighed = tests.map((test) => {
      const rootDir = test.context.config.rootDir;
      if (!tables.has(rootDir)) {
        const table = weightsOf(rootDir);
        tables.set(rootDir, { table, fallback: median(Object.values(table)) });
      }
      const { table, fallback } = tables.get(rootDir);
      const key = relative(rootDir, test.path).split(sep).join('/');
      return { test, key, weight: table[key] ?? fallback };
    });
    weighed.sort((a, b) => b.weight - a.weight || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const loads = new Array(shardCount).fill(0);
    const mine = [];
    for (const { test, weight } of weighed) {
      const lightest = loads.indexOf(Math.min(...loads));
      loads[lightest] += weight;
      if (lightest === shardIndex - 1) mine.push(test);
    }
    return mine;
  }
}

module.exports = WeightedShardSequencer;
