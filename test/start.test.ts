import { existsSync, mkdtempSync } from "node:fs"
import { networkInterfaces, tmpdir } from "node:os"
import { join } from "node:path"
import { PGlite } from "@electric-sql/pglite"
import { beforeAll, describe, expect, it } from "vitest"
import { buildIfStale, startProcess } from "./support/Service.ts"

const waitForReady = async (url: string) => {
  for (let attempt = 0; attempt < 300; attempt++) {
    const response = await fetch(`${url}/readyz`)
    if (response.status === 200) return
    expect(response.status).toBe(503)
    expect(response.headers.get("retry-after")).toBe("2")
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error("not ready after 30 s")
}

describe("npm start (sandbox mode, embedded database)", () => {
  // `npm start`'s prestart (a build when the sources changed) is part of neither test's time, nor of the 10 s.
  beforeAll(() => buildIfStale(), 120_000)

  it("answers /healthz and /readyz within 10 s, stops cleanly on SIGTERM, and keeps its data across a restart", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "start-"))
    const started = Date.now()
    const service = await startProcess({ DATA_DIR: dataDir })
    const health = await fetch(`${service.url}/healthz`)
    expect(health.status).toBe(200)
    expect(Date.now() - started).toBeLessThan(10_000)
    // Readiness follows once the embedded database is created and migrated (503 with Retry-After until then).
    await waitForReady(service.url)
    expect(service.output()).toContain("Applied migrations: 1_create_tables")
    // The build's prepared cluster, not an initdb in the service (src/adapters/persistence/PgliteCluster.ts).
    expect(service.output()).toContain("copied from the prepared one")
    expect(existsSync(join(dataDir, "sandbox-secrets.json"))).toBe(true)
    // Sandbox mode runs the Meta emulator beside the service and prints its URL.
    const sandboxUrl = /Meta sandbox listening on (http:\/\/[\d.]+:\d+)/.exec(service.output())?.[1]
    expect(sandboxUrl).toBeDefined()
    expect((await fetch(`${sandboxUrl}/_sandbox/state`)).status).toBe(200)
    // Sandbox mode mints admin sessions for anyone: it listens on loopback only (no HOST set).
    expect(service.output()).not.toContain("on every interface")
    const external = Object.values(networkInterfaces())
      .flat()
      .find((address) => address?.family === "IPv4" && !address.internal)?.address
    if (external !== undefined) {
      await expect(fetch(`http://${external}:${new URL(service.url).port}/healthz`)).rejects.toThrow()
    }
    expect(await service.stop("SIGTERM")).toBe(0)

    // Write a row while the service is down; the next start finds it and has nothing to migrate.
    const db = await PGlite.create({ dataDir: join(dataDir, "pglite") })
    await db.query("INSERT INTO tenants (id, name) VALUES ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'Kept')")
    await db.close()
    const again = await startProcess({ DATA_DIR: dataDir })
    await waitForReady(again.url)
    expect(again.output()).not.toContain("Applied migrations")
    expect(again.output()).not.toContain("copied from the prepared one")
    expect(await again.stop("SIGINT")).toBe(0)
    const reopened = await PGlite.create({ dataDir: join(dataDir, "pglite") })
    const rows = await reopened.query<{ name: string }>("SELECT name FROM tenants")
    expect(rows.rows.map((row) => row.name)).toEqual(["Kept"])
    await reopened.close()
  }, 60_000)

  it("refuses to start with a key of the wrong length, naming the variable and not its value", async () => {
    const key = Buffer.alloc(16, 3).toString("base64")
    const failure = await startProcess({
      DATA_DIR: mkdtempSync(join(tmpdir(), "start-")),
      TOKEN_ENCRYPTION_KEY_BASE64: key
    })
      .then(() => null)
      .catch((error: { code: number; output: string }) => error)
    expect(failure?.code).toBe(1)
    expect(failure?.output).toContain("TOKEN_ENCRYPTION_KEY_BASE64 must decode to exactly 32 bytes")
    expect(failure?.output).not.toContain(key)
  }, 30_000)
})
