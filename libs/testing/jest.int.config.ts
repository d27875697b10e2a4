// Integration specs (*.int-spec.ts): real Redis, MariaDB, FFmpeg, node-media-server (`nx run testing:test-int`).
export default {
  displayName: 'testing:int',
  preset: '../../jest.int.preset.js',
  testMatch: ['<rootDir>/{src,test}/**/*.int-spec.ts'],
  coverageDirectory: '../../coverage/libs/testing-int',
};
