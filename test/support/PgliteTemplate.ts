import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { PGlite } from "@electric-sql/pglite"
import { inject } from "vitest"
import { seedDataDir } from "../../src/adapters/persistence/PgliteCluster.ts"

/**
 * A pristine embedded database (PGlite's `initdb`, nothing of ours), made once per test run by the global setup:
 * `initdb` takes seconds, copying its result a fraction of one. `directory` is the cluster on disk (copied into a
 * service's new `DATA_DIR`), `dump` the same as a tarball (loaded by in-memory databases). Start, migration and
 * restart of a truly new data directory stay covered by `test/start.test.ts`, which runs the process unseeded.
 */
export interface PgliteTemplate {
  readonly directory: string
  readonly dump: string
}

declare module "vitest" {
  export interface ProvidedContext {
    pgliteTemplate: PgliteTemplate
  }
}

/** The global setup: makes the template, provides it to the test files, and removes it after the run. */
export default async function setup(project: { provide: (key: "pgliteTemplate", value: PgliteTemplate) => void }) {
  const root = mkdtempSync(join(tmpdir(), "pglite-template-"))
  const directory = join(root, "pglite")
  const db = await PGlite.create({ dataDir: directory })
  const dump = join(root, "pglite.tar")
  writeFileSync(dump, Buffer.from(await (await db.dumpDataDir("none")).arrayBuffer()))
  await db.close()
  project.provide("pgliteTemplate", { directory, dump })
  return () => rmSync(root, { recursive: true, force: true })
}

/** The run's template, or `undefined` outside a vitest run (a bench script using the test support). */
export const pgliteTemplate = (): PgliteTemplate | undefined => {
  try {
    return inject("pgliteTemplate")
  } catch {
    return undefined
  }
}

/** Seeds `directory` (a data directory's `pglite/`) with the template when it does not exist yet. */
export const seedPglite = (directory: string): void => {
  seedDataDir(directory, pgliteTemplate()?.directory)
}
