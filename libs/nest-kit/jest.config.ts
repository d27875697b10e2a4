// Unit specs: no services, no child processes (`nx run nest-kit:test-unit`). Integration specs are in jest.int.config.ts.
export default {
  displayName: 'nest-kit',
  preset: '../../jest.preset.js',
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  coverageDirectory: '../../coverage/libs/nest-kit',
};
