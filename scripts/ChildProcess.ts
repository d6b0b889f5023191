/**
 * Starts a Node child process (this Node, the project's working directory) and resolves once its output says it is
 * ready; shared by the attack runner (scripts/attack.ts) and the benchmark (bench/run.ts).
 */
import { type ChildProcess, spawn } from "node:child_process"

export interface Started {
  readonly child: ChildProcess
  /** What `ready` returned: the URL it listens on, or "" when it has none. */
  readonly url: string
  /** The output so far (its last 200,000 characters). */
  readonly output: () => string
  /** SIGTERM, then SIGKILL after `killAfterMs`; resolves once it exited. */
  readonly stop: () => Promise<void>
}

export interface StartOptions {
  /** The arguments after `node` (e.g. `["--import", "tsx", "src/main.ts"]`). */
  readonly args: ReadonlyArray<string>
  readonly cwd: string
  readonly env: NodeJS.ProcessEnv
  /** Reads the output so far: the URL (or "") once ready, else null. */
  readonly ready: (output: string) => string | null
  /** Names it in the errors. */
  readonly label?: string
  readonly timeoutMs?: number
  readonly killAfterMs?: number
  /** Hears the child once spawned and once exited (the attack runner kills what is left on a crash). */
  readonly onSpawn?: (child: ChildProcess) => void
  readonly onExit?: (child: ChildProcess) => void
}

export const startChild = (options: StartOptions): Promise<Started> =>
  new Promise((resolvePromise, reject) => {
    const { timeoutMs = 60_000, killAfterMs = 10_000, label = options.args.join(" ") } = options
    const child = spawn(process.execPath, [...options.args], {
      cwd: options.cwd,
      env: options.env,
      stdio: ["ignore", "pipe", "pipe"]
    })
    options.onSpawn?.(child)
    let output = ""
    let settled = false
    const exited = new Promise<void>((done) =>
      child.once("exit", () => {
        options.onExit?.(child)
        done()
      })
    )
    const stop = async () => {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill("SIGTERM")
      const killer = setTimeout(() => child.kill("SIGKILL"), killAfterMs)
      await exited
      clearTimeout(killer)
    }
    const timer = setTimeout(() => {
      if (settled) return
      settled = true
      child.kill("SIGKILL")
      reject(new Error(`${label} did not become ready in ${timeoutMs} ms:\n${output.slice(-1200)}`))
    }, timeoutMs)
    const onData = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-200_000)
      const url = settled ? null : options.ready(output)
      if (url !== null) {
        settled = true
        clearTimeout(timer)
        resolvePromise({ child, url, output: () => output, stop })
      }
    }
    child.stdout.on("data", onData)
    child.stderr.on("data", onData)
    child.once("exit", (code, signal) => {
      clearTimeout(timer)
      if (settled) return
      settled = true
      reject(new Error(`${label} exited (${code ?? signal}) before it was ready:\n${output.slice(-1200)}`))
    })
  })
