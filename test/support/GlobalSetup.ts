/**
 * The test run's one global setup: the PGlite templates (`PgliteTemplate.ts`) and the PostgreSQL run with its
 * migrated template database (`SystemDatabases.ts`), made side by side (vitest runs separate setup files one after
 * the other, and nothing else runs meanwhile), PGlite's dumps after the PostgreSQL part; after the run, both
 * teardowns.
 */
import type { TestProject } from "vitest/node"
import pglite from "./PgliteTemplate.ts"
import systemDatabases from "./SystemDatabases.ts"

export default async function setup(project: TestProject) {
  // PGlite's dumps block this thread's event loop: they wait for the PostgreSQL setup (its connection is timed).
  const system = systemDatabases(project)
  const teardowns = await Promise.all([pglite(project, system), system])
  return async () => {
    await Promise.all(teardowns.map((teardown) => teardown()))
  }
}
