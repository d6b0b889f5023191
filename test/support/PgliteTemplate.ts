import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { PGlite } from "@electric-sql/pglite"
import { Effect, Layer } from "effect"
import { inject } from "vitest"
import { layerEmbedded } from "../../src/adapters/persistence/Database.ts"
import { MigrationsLive } from "../../src/adapters/persistence/Migrations.ts"
import { preparedCluster, seedDataDir } from "../../src/adapters/persistence/PgliteCluster.ts"

/**
 * A pristine embedded database (PGlite's `initdb`, nothing of ours), made once per test run by the global setup (a
 * copy of `npm run build`'s prepared cluster when there is one): `initdb` takes seconds, copying its result a
 * fraction of one. `directory` is the cluster on disk, `dump` the same
 * as a tarball (loaded by in-memory databases). `migrated` is that cluster with every migration of `migrations/`
 * applied, made from it once per run: the tests of repositories and of the running service start from it (their
 * migration step then finds nothing to do), the migration tests from the pristine one. Start, migration and restart
 * of a truly new data directory stay covered by `test/start.test.ts`, which runs the process unseeded.
 */
export interface PgliteCluster {
  readonly directory: string
  readonly dump: string
}

export interface PgliteTemplate extends PgliteCluster {
  readonly migrated: PgliteCluster
}

declare module "vitest" {
  export interface ProvidedContext {
    pgliteTemplate: PgliteTemplate
  }
}

const dumpOf = async (directory: string, dump: string) => {
  const db = await PGlite.create({ dataDir: directory })
  writeFileSync(dump, Buffer.from(await (await db.dumpDataDir("none")).arrayBuffer()))
  await db.close()
}

/**
 * The global setup (with `SystemDatabases.ts`'s, in `GlobalSetup.ts`): makes both clusters, provides them to the
 * test files, and removes them after the run. The dumps run PGlite on this thread, which blocks its event loop
 * (4.7 s measured at load 13): they wait for `quiet` (the PostgreSQL setup beside them), whose connection is made
 * under a 5 s timeout that such a block trips although the server has answered. The migration, on a worker thread,
 * does not wait.
 */
export default async function setup(
  project: { provide: (key: "pgliteTemplate", value: PgliteTemplate) => void },
  quiet: Promise<unknown> = Promise.resolve()
) {
  const settled = quiet.then(
    () => undefined,
    () => undefined
  )
  const root = mkdtempSync(join(tmpdir(), "pglite-template-"))
  const directory = join(root, "pglite")
  const dump = join(root, "pglite.tar")
  // `npm run build`'s initdb when it made one for this PGlite (`dist/pglite-cluster`), else initdb here.
  if (!seedDataDir(directory, preparedCluster())) await (await PGlite.create({ dataDir: directory })).close()
  const migrated = { directory: join(root, "migrated", "pglite"), dump: join(root, "migrated.tar") }
  cpSync(directory, migrated.directory, { recursive: true })
  await Promise.all([
    settled.then(() => dumpOf(directory, dump)),
    // Built and closed again (PGlite on a worker thread, beside the dump above): migrated, flushed to disk.
    Effect.runPromise(
      Effect.scoped(Layer.build(MigrationsLive.pipe(Layer.provide(layerEmbedded(migrated.directory)), Layer.orDie)))
    )
      .then(() => settled)
      .then(() => dumpOf(migrated.directory, migrated.dump))
  ])
  project.provide("pgliteTemplate", { directory, dump, migrated })
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

/** Seeds `directory` (a data directory's `pglite/`) with the migrated cluster when it does not exist yet. */
export const seedPglite = (directory: string): void => {
  seedDataDir(directory, pgliteTemplate()?.migrated.directory)
}
