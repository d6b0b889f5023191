/**
 * The sandbox restart trap (issue 16.5): in sandbox mode the emulated Meta runs beside a database that persists.
 * Its state is saved under DATA_DIR (`sandbox-state.json`), so after a restart the tokens the database holds are
 * still Meta's: the connection stays active, the token check passes and a send goes out. Without the file (the old
 * behaviour, shown by deleting it) the first token check fails the connection.
 */
import { randomBytes } from "node:crypto"
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { client } from "./support/Browserless.ts"
import { contactWrites } from "./support/CustomerWindow.ts"
import { eventually } from "./support/Eventually.ts"
import { type RunningService, samePorts, startService } from "./support/Service.ts"
import { systemDatabases } from "./support/SystemDatabases.ts"

const databases = await systemDatabases()
const run = randomBytes(4).toString("hex")

for (const database of databases) {
  describe(`a restarted sandbox still knows its tokens (${database.name})`, () => {
    let service: RunningService | undefined
    afterEach(async () => {
      await service?.stop()
      service = undefined
    })

    const setup = async () => {
      const dataDir = mkdtempSync(join(tmpdir(), "sandbox-restart-"))
      const ports = samePorts()
      const boot = async () => {
        service = await ports.start(({ port, sandboxPort }) =>
          startService({
            DATA_DIR: dataDir,
            PORT: String(port),
            SANDBOX_PORT: String(sandboxPort),
            LOG_LEVEL: "info",
            LOG_FORMAT: "json",
            TOKEN_HEALTH_INTERVAL_SECONDS: "1",
            DATABASE_URL: database.url
          })
        )
        await eventually(
          async () => ((await fetch(`${service!.url}/readyz`)).status === 200 ? true : undefined),
          "ready"
        )
        return service
      }
      const connection = async (token: string) => {
        const response = await client(service!.url).api(token, "POST", "/graphql", {
          query: "{ whatsappConnection { status error } }"
        })
        return ((await response.json()) as { data: { whatsappConnection: { status: string; error: string | null } } })
          .data.whatsappConnection
      }
      /** Waits for the health job of this run (the metrics start at zero each run) to check a token. */
      const tokenChecked = () =>
        eventually(async () => {
          const metrics = await (await fetch(`${service!.url}/metrics`)).text()
          const match = /^meta_token_validations_total\{result="(valid|invalid)"\} [1-9]/m.exec(metrics)
          return match === null ? undefined : match[1]
        }, "a token check")
      /** A sandbox control call, and a GraphQL query as the tenant. */
      const control = async (path: string, body?: unknown) =>
        (await (
          await fetch(`http://127.0.0.1:${ports.sandboxPort()}/_sandbox/${path}`, {
            method: "POST",
            body: JSON.stringify(body)
          })
        ).json()) as Record<string, unknown>
      const query = (token: string) => async (q: string) => {
        const response = await client(service!.url).api(token, "POST", "/graphql", { query: q })
        return ((await response.json()) as { data: Record<string, unknown> }).data
      }
      return { dataDir, boot, connection, tokenChecked, control, query }
    }

    const connectAndStop = async (setup: Awaited<ReturnType<typeof setupFn>>, tenant: string) => {
      await setup.boot()
      const http = client(service!.url)
      const { token } = await http.session(tenant)
      const connected = await http.connect(token, { action: "approve", waba: "new", phone: "new" })
      expect(new URL(connected.location).searchParams.get("whatsapp")).toBe("connected")
      expect((await setup.connection(token)).status).toBe("ACTIVE")
      expect(await setup.tokenChecked()).toBe("valid")
      // The contact wrote before the restart: both sides keep the open 24-hour window across it.
      await contactWrites(setup.control, setup.query(token), "14155550123")
      await service!.stop()
      service = undefined
      return token
    }
    const setupFn = setup

    it("connect, stop, start with the same DATA_DIR: still active, the token check passes, a send goes out", async () => {
      const s = await setup()
      const token = await connectAndStop(s, `restart-kept-${run}`)
      const file = join(s.dataDir, "sandbox-state.json")
      expect(existsSync(file)).toBe(true)
      // The snapshot is the emulator's own state (it holds its tokens, as Meta does): kept owner-only.
      expect(readFileSync(file, "utf8")).toContain('"tokens"')

      await s.boot()
      expect(await s.tokenChecked()).toBe("valid")
      expect(await s.connection(token)).toEqual({ status: "ACTIVE", error: null })
      const sent = await client(service!.url).api(token, "POST", "/api/integrations/meta/whatsapp/messages", {
        to: "14155550123",
        text: "after a restart"
      })
      expect(sent.status).toBe(201)
      expect(service!.output()).toMatch(
        /state restored from .*sandbox-state\.json: \d+ WABAs, \d+ numbers, [1-9]\d* tokens/
      )
    }, 120_000)

    it("without the saved state (as before), the first token check after a restart fails the connection", async () => {
      const s = await setup()
      const token = await connectAndStop(s, `restart-lost-${run}`)
      rmSync(join(s.dataDir, "sandbox-state.json"))

      await s.boot()
      expect(await s.tokenChecked()).toBe("invalid")
      const view = await eventually(async () => {
        const current = await s.connection(token)
        return current.status === "ACTIVE" ? undefined : current
      }, "the connection to leave ACTIVE")
      expect(view.status).toBe("ERROR")
    }, 120_000)
  })
}
