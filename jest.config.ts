// Every project's unit specs in one jest run (`npx jest`; scripts/test.sh uses it): one process pool
// instead of one jest start-up per project. `npx nx run <project>:test-unit` runs one project's.
export default {
  projects: ['<rootDir>/apps/*/jest.config.ts', '<rootDir>/libs/*/jest.config.ts', '<rootDir>/k8s/jest.config.ts'],
  // A multi-project run takes its reporters from here, not from the projects' preset.
  reporters: ['default', '<rootDir>/tools/jest-summary-reporter.js'],
};
