// Unit specs only: the engine is pure functions over strings (`nx run sentiment:test-unit`).
export default {
  displayName: 'sentiment',
  preset: '../../jest.preset.js',
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  coverageDirectory: '../../coverage/libs/sentiment',
};
