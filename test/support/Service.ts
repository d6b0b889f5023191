import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { freePort } from "./Browserless.ts"

const root = resolve(import.meta.dirname, "../..")

export interface RunningService {
  readonly process: ChildProcess
  readonly url: string
  readonly output: () => string
  readonly stop: (signal?: NodeJS.Signals) => Promise<number | null>
}

/** Runs `src/main.ts` as `npm start` does, with Node 22 and the given environment; resolves once it listens. */
export const startService = (env: Record<string, string>, timeoutMs = 30_000): Promise<RunningService> =>
  new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
      cwd: root,
      env: { ...process.env, PORT: "0", LOG_LEVEL: "info", DATABASE_URL: "", ...env },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let output = ""
    const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)))
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`service did not start in ${timeoutMs} ms:\n${output}`))
    }, timeoutMs)
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const match = /Service listening on (http:\/\/[\d.]+:\d+)/.exec(output)
      if (match !== null) {
        clearTimeout(timer)
        resolvePromise({
          process: child,
          url: match[1]!,
          output: () => output,
          stop: (signal = "SIGTERM") => {
            child.kill(signal)
            return exited
          }
        })
      }
    }
    child.stdout.on("data", onData)
    child.stderr.on("data", onData)
    child.once("exit", (code) => {
      clearTimeout(timer)
      reject(Object.assign(new Error(`service exited with ${code}:\n${output}`), { code, output }))
    })
  })

export interface Stack {
  readonly service: RunningService
  readonly sandboxUrl: string
  readonly dataDir: string
  /** A sandbox control endpoint: `POST /_sandbox/{path}` (or `method`) with a JSON body. */
  readonly control: (path: string, body?: unknown, method?: string) => Promise<Record<string, unknown>>
}

/**
 * The service with its sandbox Meta on free ports and a fresh data directory, as `npm start` runs them;
 * resolves once `/readyz` answers 200 (the database is migrated).
 */
export const startStack = async (name: string, env: Record<string, string> = {}): Promise<Stack> => {
  const [port, sandboxPort] = [await freePort(), await freePort()]
  const dataDir = mkdtempSync(join(tmpdir(), `${name}-`))
  const service = await startService({
    DATA_DIR: dataDir,
    PORT: String(port),
    SANDBOX_PORT: String(sandboxPort),
    ...env
  })
  for (let attempt = 0; attempt < 300 && (await fetch(`${service.url}/readyz`)).status !== 200; attempt++) {
    await new Promise((done) => setTimeout(done, 100))
  }
  const sandboxUrl = `http://127.0.0.1:${sandboxPort}`
  const control = async (path: string, body?: unknown, method = "POST") => {
    const response = await fetch(`${sandboxUrl}/_sandbox/${path}`, {
      method,
      headers: { "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
    return (await response.json()) as Record<string, unknown>
  }
  return { service, sandboxUrl, dataDir, control }
}
