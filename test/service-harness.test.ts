import { mkdtempSync } from "node:fs"
import { createServer, type Server } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { type RunningService, type StartFailure, samePorts, startService, startStack } from "./support/Service.ts"

/** A port held by this test, as another test process may hold the one `freePort` found free. */
const holdPort = async (): Promise<{ port: number; server: Server }> => {
  const server = createServer()
  await new Promise<void>((listening) => server.listen(0, "127.0.0.1", () => listening()))
  return { port: (server.address() as { port: number }).port, server }
}

describe("the in-process service harness", () => {
  const held: Array<Server> = []
  const running: Array<RunningService> = []
  afterEach(async () => {
    for (const service of running.splice(0)) await service.stop()
    for (const server of held.splice(0)) server.close()
  })

  it("says why a start failed before the logger could (a port taken), as npm start prints it", async () => {
    const { port, server } = await holdPort()
    held.push(server)
    const failure = await startService({
      DATA_DIR: mkdtempSync(join(tmpdir(), "harness-")),
      SANDBOX_PORT: String(port),
      LOG_LEVEL: "warn"
    }).then(
      () => null,
      (error: StartFailure) => error
    )
    expect(failure?.code).toBe(1)
    expect(failure?.output).toContain(`EADDRINUSE: address already in use 127.0.0.1:${port}`)
  })

  it("starts a stack again on other ports when a port it was given was taken meanwhile", async () => {
    const { port, server } = await holdPort()
    held.push(server)
    const given: Array<Record<string, string>> = []
    const stack = await startStack("harness", { LOG_LEVEL: "warn" }, (env) => {
      given.push(env)
      // The first start gets a port another process took between freePort and listen.
      return startService(given.length === 1 ? { ...env, SANDBOX_PORT: String(port) } : env)
    })
    running.push(stack.service)
    expect(given).toHaveLength(2)
    expect(given[1]!["DATA_DIR"]).not.toBe(given[0]!["DATA_DIR"])
    expect((await fetch(`${stack.service.url}/readyz`)).status).toBe(200)
    expect(stack.sandboxUrl).toBe(`http://127.0.0.1:${given[1]!["SANDBOX_PORT"]}`)
  })

  it("samePorts: a first start taken meanwhile goes to other ports, a restart to the ports it got", async () => {
    const { port, server } = await holdPort()
    held.push(server)
    const ports = samePorts()
    const dataDir = mkdtempSync(join(tmpdir(), "harness-"))
    const given: Array<{ readonly port: number; readonly sandboxPort: number }> = []
    const start = () =>
      ports.start((next) => {
        given.push(next)
        // The first start gets a port another process took between freePort and listen.
        const sandboxPort = given.length === 1 ? port : next.sandboxPort
        return startService({
          DATA_DIR: dataDir,
          PORT: String(next.port),
          SANDBOX_PORT: String(sandboxPort),
          LOG_LEVEL: "warn"
        })
      })
    const first = await start()
    await first.stop()
    const again = await start()
    running.push(again)
    expect(given).toHaveLength(3)
    expect(given[2]).toStrictEqual(given[1])
    expect(again.url).toBe(`http://127.0.0.1:${given[1]!.port}`)
    expect(ports.sandboxPort()).toBe(given[1]!.sandboxPort)
  })

  it("does not retry a start that failed for another reason", async () => {
    let starts = 0
    const failure = await startStack("harness", {}, (env) => {
      starts++
      return startService({ ...env, WEBHOOK_DELIVERY_TIMEOUT_SECONDS: "soon" })
    }).then(
      () => null,
      (error: StartFailure) => error
    )
    expect(starts).toBe(1)
    expect(failure?.code).toBe(1)
    expect(failure?.output).toContain("WEBHOOK_DELIVERY_TIMEOUT_SECONDS")
  })
})
