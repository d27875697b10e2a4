// Integration specs (*.int-spec.ts): real Redis, MariaDB, FFmpeg, node-media-server (`nx run pulse-publisher:test-int`).
export default {
  displayName: 'pulse-publisher:int',
  preset: '../../jest.int.preset.js',
  testMatch: ['<rootDir>/{src,test}/**/*.int-spec.ts'],
  coverageDirectory: '../../coverage/apps/pulse-publisher-int',
  testTimeout: 30000,
};
