/**
 * The embedded database's first start from a prepared cluster instead of `initdb`.
 *
 * PGlite's WASM memory grows and never shrinks: a service whose first start ran `initdb` in its own process kept
 * that peak (PGlite alone 544 MB after initdb, 672 MB at its high-water mark), while a cluster copied in as files and
 * opened costs 161 MB (docs/decisions.md, "Issue 18.5: PGlite's first start from a prepared cluster"). `npm run
 * build` (and so `npm start`'s `prestart`) runs `initdb` once, in the build's own process, into
 * `dist/pglite-cluster/`, with `dist/pglite-cluster.json` naming the PGlite version it was made by; a new data
 * directory is a copy of it. Without a prepared cluster (`npm run dev` on a fresh clone) PGlite runs `initdb` itself.
 */
import { cpSync, existsSync, readFileSync, renameSync, rmSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

/** Where `npm run build` puts the prepared cluster, relative to the project's root. */
export const PREPARED_CLUSTER = "dist/pglite-cluster"

/** The installed PGlite's version (its package.json, two levels above its entry point). */
export const installedPgliteVersion = (): string => {
  // `require.resolve`, not `import.meta.resolve`: vitest's module runner (its global setup) has no such function.
  const entry = createRequire(import.meta.url).resolve("@electric-sql/pglite")
  const manifest = join(dirname(entry), "..", "package.json")
  return (JSON.parse(readFileSync(manifest, "utf8")) as { version: string }).version
}

/**
 * The prepared cluster beside this module's project (this file under tsx is `src/adapters/persistence/`, in the
 * bundle `dist/server/`), when it was made by the installed PGlite; `undefined` otherwise.
 */
export const preparedCluster = (from: string = fileURLToPath(import.meta.url)): string | undefined => {
  for (let directory = dirname(from), level = 0; level < 5; directory = dirname(directory), level++) {
    const cluster = join(directory, PREPARED_CLUSTER)
    const stamp = `${cluster}.json`
    if (!existsSync(stamp) || !existsSync(join(cluster, "PG_VERSION"))) continue
    const made = (JSON.parse(readFileSync(stamp, "utf8")) as { pglite?: string }).pglite
    return made === installedPgliteVersion() ? cluster : undefined
  }
  return undefined
}

/**
 * Makes `directory` a copy of `cluster` when `directory` does not exist yet; returns whether it did. The copy goes to
 * a sibling first and is renamed into place, so a start stopped halfway leaves no half cluster that PGlite would open.
 */
export const seedDataDir = (directory: string, cluster: string | undefined): boolean => {
  if (cluster === undefined || existsSync(directory)) return false
  const partial = `${directory}.seeding-${process.pid}`
  rmSync(partial, { recursive: true, force: true })
  cpSync(cluster, partial, { recursive: true })
  renameSync(partial, directory)
  return true
}
