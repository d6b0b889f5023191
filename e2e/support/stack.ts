import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { freePort } from "../../test/support/Browserless.ts"

const root = resolve(import.meta.dirname, "../..")

export interface Stack {
  readonly url: string
  readonly sandboxUrl: string
  readonly output: () => string
  readonly stop: () => Promise<void>
}

/**
 * The real service as `npm start` runs it (sandbox mode, embedded database in a new data dir), on free ports, with
 * the sandbox Meta beside it. `E2E_ENTRY` may name another entry point (default `src/main.ts`).
 */
export const startStack = async (timeoutMs = 60_000): Promise<Stack> => {
  const [port, sandboxPort] = [await freePort(), await freePort()]
  const dataDir = mkdtempSync(join(tmpdir(), "e2e-"))
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(process.env)) {
    // Sandbox mode: no Meta settings, no outside database, the default base URL.
    if (value !== undefined && !key.startsWith("META_") && key !== "APP_BASE_URL") env[key] = value
  }
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", process.env["E2E_ENTRY"] ?? "src/main.ts"], {
    cwd: root,
    env: {
      ...env,
      DATA_DIR: dataDir,
      PORT: String(port),
      SANDBOX_PORT: String(sandboxPort),
      LOG_LEVEL: "warn",
      DATABASE_URL: ""
    },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let output = ""
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString()
  })
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString()
  })
  let exited = false
  const done = new Promise<void>((resolveDone) =>
    child.once("exit", () => {
      exited = true
      resolveDone()
    })
  )
  const url = `http://127.0.0.1:${port}`
  const stop = async () => {
    if (!exited) child.kill("SIGTERM")
    await Promise.race([done, new Promise((r) => setTimeout(r, 10_000))])
    if (!exited) child.kill("SIGKILL")
    rmSync(dataDir, { recursive: true, force: true })
  }
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (exited) throw new Error(`the service exited while starting:\n${output}`)
    const ready = await fetch(`${url}/readyz`).then(
      (response) => response.status === 200,
      () => false
    )
    if (ready) return { url, sandboxUrl: `http://127.0.0.1:${sandboxPort}`, output: () => output, stop }
    await new Promise((r) => setTimeout(r, 200))
  }
  await stop()
  throw new Error(`the service was not ready within ${timeoutMs} ms:\n${output}`)
}
