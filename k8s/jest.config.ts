// Offline checks of the deploy artefacts (k8s manifests, compose file, Dockerfiles): unit specs (test-unit).
export default {
  displayName: 'k8s',
  preset: '../jest.preset.js',
  testMatch: ['<rootDir>/test/**/*.spec.ts'],
  coverageDirectory: '../coverage/k8s',
};
