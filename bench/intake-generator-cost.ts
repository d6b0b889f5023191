/**
 * Why the load generator costs more per request against the service than against the `node:http` peer (issue 18.3,
 * w10B). A stand-in server (a child process, no database) answers the webhook POST with either the service's 200
 * head or the peer's, byte for byte as they are written (`--head`), either at once or held and answered together
 * every `--hold` ms (as a group commit answers a batch when its statement returns); the generator here is
 * `bench/load.ts`'s closed loop (undici `Agent`, one keep-alive connection per client, the body read as text).
 * Prints, per variant and round, req/s and the generator's CPU µs per request (user and system, `process.cpuUsage`),
 * and the server's (from `/proc`).
 *
 *   npx tsx bench/intake-generator-cost.ts [--clients 64] [--seconds 4] [--rounds 2] [--holds 0,2,5]
 */
import { type ChildProcess, spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import { performance } from "node:perf_hooks"
import { parseArgs } from "node:util"
import { Agent } from "undici"
import { cpuMs, sign, webhookBody } from "./protocol.ts"

const { values } = parseArgs({
  options: {
    clients: { type: "string", default: "64" },
    seconds: { type: "string", default: "4" },
    rounds: { type: "string", default: "2" },
    holds: { type: "string", default: "0,2,5" }
  }
})

/** The stand-in server: `HEAD` is `service` or `peer`, `HOLD` ms (0: answered when the body has arrived). */
const SERVER = `
const http = require("node:http")
const { randomUUID } = require("node:crypto")
const head = process.env.HEAD, hold = Number(process.env.HOLD)
let held = []
const answer = (response) => {
  if (head === "service") {
    response.writeHead(200, ["cache-control", "no-store", "content-type", "text/plain", "content-length", "14",
      "x-request-id", randomUUID()])
    response.end("EVENT_RECEIVED")
  } else {
    response.writeHead(200, { "content-type": "text/plain", "content-length": 2 })
    response.end("OK")
  }
}
const server = http.createServer((request, response) => {
  request.on("data", () => {})
  request.on("end", () => {
    if (hold === 0) return answer(response)
    held.push(response)
    if (held.length === 1) setTimeout(() => { const batch = held; held = []; for (const r of batch) answer(r) }, hold)
  })
})
if (head === "service") server.keepAliveTimeout = 5000
else server.keepAliveTimeout = 60000
server.listen(0, "127.0.0.1", () => console.log("listening on " + server.address().port))
`

const start = (head: string, hold: number) =>
  new Promise<{ child: ChildProcess; port: number }>((done) => {
    const child = spawn(process.execPath, ["-e", SERVER], {
      env: { ...process.env, HEAD: head, HOLD: String(hold) },
      stdio: ["ignore", "pipe", "inherit"]
    })
    child.stdout!.on("data", (d: Buffer) => {
      const match = /listening on (\d+)/.exec(d.toString())
      if (match !== null) done({ child, port: Number(match[1]) })
    })
  })

const secret = randomBytes(16).toString("hex")
const bodies = { secret, phoneNumberId: "106540352242922", idPrefix: "gen" }
const prepared = Array.from({ length: 4096 }, (_, n) => {
  const body = webhookBody(bodies, n)
  return { body, headers: { "content-type": "application/json", "x-hub-signature-256": sign(body, secret) } }
})

const run = async (port: number, child: ChildProcess) => {
  const clients = Number(values.clients)
  const agent = new Agent({
    connections: clients,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 60_000
  })
  const origin = `http://127.0.0.1:${port}`
  const warm = performance.now() + 1000
  const until = warm + Number(values.seconds) * 1000
  let next = 0
  let counted = 0
  let cpu0 = process.cpuUsage()
  let server0 = 0
  const timer = setTimeout(() => {
    cpu0 = process.cpuUsage()
    server0 = cpuMs(child.pid!)
  }, 1000)
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < until) {
        const { body, headers } = prepared[next++ % prepared.length]!
        const response = await agent.request({ origin, path: "/webhooks/meta/whatsapp", method: "POST", headers, body })
        await response.body.text()
        if (performance.now() >= warm) counted++
      }
    })
  )
  const cpu = process.cpuUsage(cpu0)
  const server = cpuMs(child.pid!) - server0
  clearTimeout(timer)
  await agent.close()
  return {
    rate: counted / Number(values.seconds),
    user: cpu.user / counted,
    system: cpu.system / counted,
    server: (server * 1000) / counted
  }
}

const holds = values.holds.split(",").map(Number)
for (let round = 1; round <= Number(values.rounds); round++) {
  for (const hold of round % 2 === 1 ? holds : [...holds].reverse())
    for (const head of round % 2 === 1 ? ["peer", "service"] : ["service", "peer"]) {
      const { child, port } = await start(head, hold)
      const r = await run(port, child)
      child.kill()
      console.log(
        `round ${round} head ${head.padEnd(7)} hold ${String(hold).padStart(2)} ms: ${r.rate.toFixed(0).padStart(6)} req/s, ` +
          `generator ${(r.user + r.system).toFixed(1)} µs/req (user ${r.user.toFixed(1)}, sys ${r.system.toFixed(1)}), ` +
          `server ${r.server.toFixed(1)} µs/req`
      )
    }
}
