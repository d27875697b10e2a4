// Integration specs (*.int-spec.ts): real Redis, MariaDB, FFmpeg, node-media-server (`nx run control-api:test-int`).
export default {
  displayName: 'control-api:int',
  preset: '../../jest.int.preset.js',
  testMatch: ['<rootDir>/{src,test}/**/*.int-spec.ts'],
  coverageDirectory: '../../coverage/apps/control-api-int',
  testTimeout: 30000,
  // npm test runs these files in three shards: split by expected seconds (jest.shard-weights.json), not by path hash.
  testSequencer: '<rootDir>/../../tools/jest-weighted-shards.js',
};
