// Integration specs (*.int-spec.ts): real Redis, MariaDB, FFmpeg, node-media-server (`nx run nest-kit:test-int`).
export default {
  displayName: 'nest-kit:int',
  preset: '../../jest.int.preset.js',
  testMatch: ['<rootDir>/{src,test}/**/*.int-spec.ts'],
  coverageDirectory: '../../coverage/libs/nest-kit-int',
};
