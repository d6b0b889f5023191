import { execFile } from "node:child_process"
import { createHmac } from "node:crypto"
import { mkdtempSync, writeFileSync } from "node:fs"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { promisify } from "node:util"
import { expect, it } from "vitest"

const run = promisify(execFile)

it("npm run webhook:replay signs a sample as Meta does and posts it", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "replay-"))
  writeFileSync(join(dataDir, "sandbox-secrets.json"), JSON.stringify({ META_APP_SECRET: "replay-secret" }))
  const received: Array<{ body: Buffer; signature: string | undefined }> = []
  const server = createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => {
      received.push({
        body: Buffer.concat(chunks),
        signature: req.headers["x-hub-signature-256"] as string | undefined
      })
      res.end("EVENT_RECEIVED")
    })
  })
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done))
  const { port } = server.address() as AddressInfo
  try {
    const sample = resolve(import.meta.dirname, "..", "samples", "webhooks", "inbound_text.json")
    const { stdout } = await run(
      process.execPath,
      [
        "--import",
        "tsx",
        "scripts/webhook-replay.ts",
        sample,
        "--phone-number-id",
        "999000111222333",
        "--url",
        `http://127.0.0.1:${port}/hook`
      ],
      { cwd: resolve(import.meta.dirname, ".."), env: { ...process.env, DATA_DIR: dataDir, META_APP_ID: "" } }
    )
    expect(stdout).toContain("-> 200 EVENT_RECEIVED")
    const [delivery] = received
    expect(delivery!.signature).toBe(
      `sha256=${createHmac("sha256", "replay-secret").update(delivery!.body).digest("hex")}`
    )
    const payload = JSON.parse(delivery!.body.toString("utf8"))
    expect(payload.entry[0].changes[0].value.metadata.phone_number_id).toBe("999000111222333")
    expect(delivery!.body.toString("utf8")).not.toContain("replay-secret")
  } finally {
    server.close()
  }
}, 30_000)
