// Integration specs (*.int-spec.ts): real Redis (`nx run broadcast-control:test-int`).
export default {
  displayName: 'broadcast-control:int',
  preset: '../../jest.int.preset.js',
  testMatch: ['<rootDir>/{src,test}/**/*.int-spec.ts'],
  coverageDirectory: '../../coverage/libs/broadcast-control-int',
};
