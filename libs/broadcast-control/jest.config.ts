// Unit specs: no services, no child processes (`nx run broadcast-control:test-unit`). Integration specs are in jest.int.config.ts.
export default {
  displayName: 'broadcast-control',
  preset: '../../jest.preset.js',
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  coverageDirectory: '../../coverage/libs/broadcast-control',
};
