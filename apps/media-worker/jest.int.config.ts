// Integration specs (*.int-spec.ts): real Redis, MariaDB, FFmpeg, node-media-server (`nx run media-worker:test-int`).
export default {
  displayName: 'media-worker:int',
  preset: '../../jest.int.preset.js',
  testMatch: ['<rootDir>/{src,test}/**/*.int-spec.ts'],
  coverageDirectory: '../../coverage/apps/media-worker-int',
  testTimeout: 30000,
};
