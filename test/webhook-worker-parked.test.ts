/**
 * `WEBHOOK_WORKER_ENABLED=false` (the bench parks the worker this way): the instance accepts and stores webhooks
 * but does not process them; a later start with the worker on the same database processes what it stored.
 */
import { randomBytes } from "node:crypto"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { client } from "./support/Browserless.ts"
import { eventually } from "./support/Eventually.ts"
import { type RunningService, samePorts, startService } from "./support/Service.ts"

const run = randomBytes(4).toString("hex")

describe("a parked webhook worker (pglite)", () => {
  let service: RunningService | undefined
  afterEach(async () => {
    await service?.stop()
    service = undefined
  })

  it("stores an inbound message without processing it; a start with the worker processes it", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "worker-parked-"))
    const ports = samePorts()
    const boot = async (worker: boolean) => {
      service = await ports.start(({ port, sandboxPort }) =>
        startService({
          DATA_DIR: dataDir,
          PORT: String(port),
          SANDBOX_PORT: String(sandboxPort),
          LOG_LEVEL: "warn",
          DATABASE_URL: "",
          WEBHOOK_WORKER_ENABLED: String(worker),
          METRICS_REFRESH_SECONDS: "1"
        })
      )
      await eventually(async () => ((await fetch(`${service!.url}/readyz`)).status === 200 ? true : undefined), "ready")
    }
    const texts = async (token: string) => {
      const response = await client(service!.url).api(token, "POST", "/graphql", {
        query: "{ conversations(first: 5) { edges { node { messages(first: 5) { edges { node { text } } } } } } }"
      })
      const body = (await response.json()) as {
        data: { conversations: { edges: Array<{ node: { messages: { edges: Array<{ node: { text: string } }> } } }> } }
      }
      return body.data.conversations.edges.flatMap((c) => c.node.messages.edges.map((m) => m.node.text))
    }
    const pendingGauge = async () => {
      const metrics = await (await fetch(`${service!.url}/metrics`)).text()
      return /^webhook_events_pending(?:\{[^}]*\})? (\d+)/m.exec(metrics)?.[1]
    }

    await boot(false)
    const http = client(service!.url)
    const { token } = await http.session(`parked-${run}`)
    await http.connect(token, { action: "approve", waba: "new", phone: "new" })
    const connection = (await (
      await http.api(token, "POST", "/graphql", { query: "{ whatsappConnection { phoneNumberId } }" })
    ).json()) as { data: { whatsappConnection: { phoneNumberId: string } } }
    const response = await fetch(`http://127.0.0.1:${ports.sandboxPort()}/_sandbox/inbound`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        phoneNumberId: connection.data.whatsappConnection.phoneNumberId,
        from: "14155550199",
        text: "while parked"
      })
    })
    expect(((await response.json()) as Record<string, unknown>)["deliveryStatus"]).toBe(200)
    // Accepted and stored (the inbox gauge counts it pending), and still pending a while later: nobody processes it.
    expect(await eventually(async () => ((await pendingGauge()) === "1" ? "1" : undefined), "one pending")).toBe("1")
    await new Promise((done) => setTimeout(done, 1_500))
    expect(await pendingGauge()).toBe("1")
    expect(await texts(token)).toEqual([])
    await service!.stop()
    service = undefined

    await boot(true)
    expect(
      await eventually(async () => {
        const now = await texts(token)
        return now.length > 0 ? now : undefined
      }, "the parked message processed")
    ).toEqual(["while parked"])
  }, 120_000)
})
