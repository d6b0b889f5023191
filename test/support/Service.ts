import { type ChildProcess, spawn } from "node:child_process"
import { resolve } from "node:path"

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
