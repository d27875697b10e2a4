import { getJestProjectsAsync } from '@nx/jest';

// Runs every project's jest config; `npx nx test <project>` runs one.
export default async () => ({
  projects: await getJestProjectsAsync(),
});
