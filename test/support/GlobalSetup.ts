/**
 * The test run's one global setup: the PGlite templates (`PgliteTemplate.ts`) and the PostgreSQL run with its
 * migrated template database (`SystemDatabases.ts`), made side by side (vitest runs separate setup files one after
 * the other, and nothing else runs meanwhile); after the run, both teardowns.
 */
import type { TestProject } from "vitest/node"
import pglite from "./PgliteTemplate.ts"
import systemDatabases from "./SystemDatabases.ts"

export default async function setup(project: TestProject) {
  const teardowns = await Promise.all([pglite(project), systemDatabases(project)])
  return async () => {
    await Promise.all(teardowns.map((teardown) => teardown()))
  }
}
