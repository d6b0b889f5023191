import { execFile } from "node:child_process"
import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { promisify } from "node:util"
import { afterAll, beforeAll, expect, it } from "vitest"
import { onFreePorts, type RunningService, startService } from "./support/Service.ts"

const run = promisify(execFile)
let service: RunningService
let sandboxUrl: string

beforeAll(async () => {
  service = await onFreePorts(({ port, sandboxPort }) => {
    sandboxUrl = `http://127.0.0.1:${sandboxPort}`
    return startService({
      DATA_DIR: mkdtempSync(join(tmpdir(), "curl-")),
      PORT: String(port),
      SANDBOX_PORT: String(sandboxPort),
      LOG_LEVEL: "warn"
    })
  })
  for (let i = 0; i < 300 && (await fetch(`${service.url}/readyz`)).status !== 200; i++) {
    await new Promise((done) => setTimeout(done, 100))
  }
}, 60_000)
afterAll(() => service?.stop())

it("docs/curl.md runs as written against a fresh service", async () => {
  const markdown = readFileSync(resolve(import.meta.dirname, "..", "docs", "curl.md"), "utf8")
  const blocks = [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1]!)
  expect(blocks.length).toBeGreaterThan(6)
  const script = `set -euo pipefail\n${blocks.join("\n")}\necho CURL_DOCS_OK\n`
  const { stdout } = await run("bash", ["-c", script], {
    env: { ...process.env, BASE: service.url, SANDBOX: sandboxUrl }
  })
  expect(stdout).toContain("CURL_DOCS_OK")
}, 60_000)
