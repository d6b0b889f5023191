import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { installedPgliteVersion, PREPARED_CLUSTER, preparedCluster, seedDataDir } from "./PgliteCluster.ts"

/** A project tree with a prepared cluster made by PGlite `version` (one file stands for the cluster). */
const projectWith = (version: string | undefined) => {
  const root = mkdtempSync(join(tmpdir(), "cluster-"))
  const cluster = join(root, PREPARED_CLUSTER)
  mkdirSync(join(cluster, "base"), { recursive: true })
  writeFileSync(join(cluster, "PG_VERSION"), "17\n")
  writeFileSync(join(cluster, "base", "1"), "catalog")
  if (version !== undefined) writeFileSync(`${cluster}.json`, JSON.stringify({ pglite: version }))
  mkdirSync(join(root, "dist", "server"), { recursive: true })
  return { root, cluster, module: join(root, "dist", "server", "main.js") }
}

describe("the embedded database's prepared cluster", () => {
  it("is found above the module when the installed PGlite made it", () => {
    const project = projectWith(installedPgliteVersion())
    expect(preparedCluster(project.module)).toBe(project.cluster)
  })

  it("is not used when another PGlite version made it, or when its stamp is missing", () => {
    expect(preparedCluster(projectWith("0.0.1").module)).toBeUndefined()
    expect(preparedCluster(projectWith(undefined).module)).toBeUndefined()
  })

  it("seeds a new data directory with a copy, and leaves an existing one alone", () => {
    const { cluster } = projectWith(installedPgliteVersion())
    const data = mkdtempSync(join(tmpdir(), "data-"))
    const directory = join(data, "pglite")
    expect(seedDataDir(directory, cluster)).toBe(true)
    expect(readFileSync(join(directory, "base", "1"), "utf8")).toBe("catalog")
    expect(existsSync(`${directory}.seeding-${process.pid}`)).toBe(false)
    writeFileSync(join(directory, "base", "1"), "our rows")
    expect(seedDataDir(directory, cluster)).toBe(false)
    expect(readFileSync(join(directory, "base", "1"), "utf8")).toBe("our rows")
  })

  it("seeds nothing without a prepared cluster (PGlite then runs initdb itself)", () => {
    const directory = join(mkdtempSync(join(tmpdir(), "data-")), "pglite")
    expect(seedDataDir(directory, undefined)).toBe(false)
    expect(existsSync(directory)).toBe(false)
  })
})
