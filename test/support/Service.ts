import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { format } from "node:util"
import { Cause, ConfigProvider, Console, Effect, Exit } from "effect"
import { runService } from "../../src/main.ts"
import { freePort } from "./Browserless.ts"
import { seedPglite } from "./PgliteTemplate.ts"

const root = resolve(import.meta.dirname, "../..")

export interface RunningService {
  readonly url: string
  /** Everything the service printed so far (its JSON log lines, the sandbox's lines, a refused configuration). */
  readonly output: () => string
  /** Stops it as SIGTERM/SIGINT do (layers close in reverse); resolves with the exit code `npm start` would give. */
  readonly stop: (signal?: NodeJS.Signals) => Promise<number | null>
}

/** `startService` and `startProcess` reject with this when the service ends before it listens. */
export interface StartFailure extends Error {
  readonly code: number | null
  readonly output: string
}

const LISTENING = /Service listening on (http:\/\/[\d.]+:\d+)/

const environment = (env: Record<string, string>): Record<string, string> => ({
  ...(Object.fromEntries(Object.entries(process.env).filter(([, value]) => value !== undefined)) as Record<
    string,
    string
  >),
  PORT: "0",
  LOG_LEVEL: "info",
  DATABASE_URL: "",
  // In process, the test reads the service's lines from the console it provides; a worker thread would write its
  // own to the process's stdout. test/webhook-worker-thread.test.ts runs the thread in a process of its own.
  WEBHOOK_WORKER_THREAD: "false",
  ...env
})

const startFailure = (message: string, code: number | null, output: string): StartFailure =>
  Object.assign(new Error(`${message}:\n${output}`), { code, output })

/**
 * Runs the service in this process, as `npm start` runs it (`runService` of `src/main.ts`: the same configuration,
 * layers, sandbox and HTTP server) with the given environment over this process's; resolves once it prints the
 * address it listens on. Its console is captured for `output()`; a refused configuration or a failed startup ends
 * the run with code 1 instead of ending this process. A new embedded database starts from the run's pristine
 * cluster (`PgliteTemplate.ts`) rather than running initdb.
 */
export const startService = (env: Record<string, string>, timeoutMs = 30_000): Promise<RunningService> =>
  new Promise((resolvePromise, reject) => {
    const vars = environment(env)
    if (vars["DATA_DIR"] !== undefined && (vars["DATABASE_URL"] ?? "") === "")
      seedPglite(join(vars["DATA_DIR"], "pglite"))
    let output = ""
    let code: number | undefined
    let listening = false
    const print = (...args: ReadonlyArray<unknown>) => {
      output += `${format(...args)}\n`
      const match = listening ? null : LISTENING.exec(output)
      if (match !== null) {
        listening = true
        clearTimeout(timer)
        resolvePromise({ url: match[1]!, output: () => output, stop })
      }
    }
    const console: Console.Console = Object.assign(Object.create(globalThis.console), {
      log: print,
      info: print,
      warn: print,
      error: print,
      debug: print,
      trace: print
    })
    const fiber = Effect.runFork(
      runService(ConfigProvider.fromEnv({ env: vars }), (exitCode) => {
        code = exitCode
        // Called from inside the run (maybe before runFork has returned): stop it from outside, as exit() would.
        setImmediate(() => fiber.interruptUnsafe())
      }).pipe(Effect.provideService(Console.Console, console))
    )
    const exited = new Promise<number>((done) =>
      fiber.addObserver((exit) => {
        // What `npm start` prints when the run fails (NodeRuntime.runMain reports the cause on stderr): a failure
        // before the logger (a port taken, a layer that cannot start) would otherwise leave the output empty.
        if (Exit.isFailure(exit) && !Cause.hasInterruptsOnly(exit.cause)) print(Cause.pretty(exit.cause))
        // As a process's exit is seen after its sockets closed: let this process's clients (fetch's keep-alive pool)
        // read the server's FINs before anyone connects to the port again.
        setTimeout(() => done(code ?? (Exit.isSuccess(exit) || Cause.hasInterruptsOnly(exit.cause) ? 0 : 1)), 20)
      })
    )
    function stop() {
      fiber.interruptUnsafe()
      return exited
    }
    const timer = setTimeout(() => {
      void stop()
      reject(startFailure(`service did not start in ${timeoutMs} ms`, null, output))
    }, timeoutMs)
    void exited.then((exitCode) => {
      clearTimeout(timer)
      if (!listening) reject(startFailure(`service exited with ${exitCode}`, exitCode, output))
    })
  })

export interface ServiceProcess extends RunningService {
  readonly process: ChildProcess
}

/**
 * `npm start`'s command line (package.json): `prestart` rebuilds what is stale, then `start` execs plain Node on the
 * bundle with a capped heap. Returned as the arguments after `node`.
 */
export const startCommand = (): ReadonlyArray<string> => {
  const scripts = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: Record<string, string> })
    .scripts
  const start = scripts["start"] ?? ""
  const match = /^exec node (.+)$/.exec(start)
  if (match === null) throw new Error(`npm start is no longer "exec node ...": ${start}`)
  return match[1]!.split(/\s+/)
}

let built = false

/** `npm start`'s prestart, once per test process: builds the server bundle and the web app if they are stale. */
export const buildIfStale = () => {
  if (built) return
  const result = spawnSync(process.execPath, ["scripts/build.mjs", "--if-stale"], { cwd: root, encoding: "utf8" })
  if (result.status !== 0) throw new Error(`npm run build failed:\n${result.stdout}${result.stderr}`)
  built = true
}

/**
 * Runs the service as `npm start` does, in a process of its own (the built bundle under Node 22 with `npm start`'s
 * flags, the given environment); resolves once it listens. For the tests of the process itself: signals, exit
 * codes, what it prints. Others use `startService`.
 */
export const startProcess = (env: Record<string, string>, timeoutMs = 30_000): Promise<ServiceProcess> =>
  new Promise((resolvePromise, reject) => {
    buildIfStale()
    const child = spawn(process.execPath, [...startCommand()], {
      cwd: root,
      env: environment(env),
      stdio: ["ignore", "pipe", "pipe"]
    })
    let output = ""
    const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)))
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(startFailure(`service did not start in ${timeoutMs} ms`, null, output))
    }, timeoutMs)
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const match = LISTENING.exec(output)
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
      reject(startFailure(`service exited with ${code}`, code, output))
    })
  })

/** Whether a start failed because a port it was given was taken meanwhile. */
export const portTaken = (error: unknown): boolean =>
  error instanceof Error && "output" in error && /EADDRINUSE/.test(String((error as StartFailure).output))

/**
 * Runs `start` on two ports `freePort` found free (the service's and its sandbox's). Another test process may take
 * one of them before the service listens on it: the start then fails with EADDRINUSE, and is tried again on new
 * ports (up to `tries` times). Services started side by side each need this: `freePort` closes its socket before
 * answering, so nothing holds the port meanwhile.
 */
export const onFreePorts = async <A>(
  start: (ports: { readonly port: number; readonly sandboxPort: number }) => Promise<A>,
  tries = 3
): Promise<A> => {
  const [port, sandboxPort] = [await freePort(), await freePort()]
  try {
    return await start({ port, sandboxPort })
  } catch (error) {
    if (tries > 1 && portTaken(error)) return onFreePorts(start, tries - 1)
    throw error
  }
}

/**
 * Ports for a service started several times on the same ones (restarted on its data directory): the first start
 * goes through {@link onFreePorts} (new ports if one was taken meanwhile), the later ones reuse the ports it got.
 */
export const samePorts = () => {
  let held: { readonly port: number; readonly sandboxPort: number } | undefined
  return {
    start: <A>(start: (ports: { readonly port: number; readonly sandboxPort: number }) => Promise<A>): Promise<A> =>
      held !== undefined
        ? start(held)
        : onFreePorts(async (ports) => {
            const started = await start(ports)
            held = ports
            return started
          }),
    /** The sandbox's port, once the first start has listened. */
    sandboxPort: (): number => {
      if (held === undefined) throw new Error("not started yet")
      return held.sandboxPort
    }
  }
}

export interface Stack {
  readonly service: RunningService
  readonly sandboxUrl: string
  readonly dataDir: string
  /** A sandbox control endpoint: `POST /_sandbox/{path}` (or `method`) with a JSON body. */
  readonly control: (path: string, body?: unknown, method?: string) => Promise<Record<string, unknown>>
}

/**
 * The service with its sandbox Meta on free ports and a fresh data directory, as `npm start` runs them (in this
 * process with `startService`, or in its own with `start: startProcess`, as a benchmark wants); resolves once
 * `/readyz` answers 200 (the database is migrated).
 */
export const startStack = async (
  name: string,
  env: Record<string, string> = {},
  start: (env: Record<string, string>) => Promise<RunningService> = startService
): Promise<Stack> => {
  // Ports `env` names are the caller's to retry (`samePorts`): trying them again here would fail the same way.
  const given = env["PORT"] !== undefined || env["SANDBOX_PORT"] !== undefined
  const { service, sandboxPort, dataDir } = await onFreePorts(
    async ({ port, sandboxPort }) => {
      const dataDir = mkdtempSync(join(tmpdir(), `${name}-`))
      const service = await start({ DATA_DIR: dataDir, PORT: String(port), SANDBOX_PORT: String(sandboxPort), ...env })
      return { service, sandboxPort: Number(env["SANDBOX_PORT"] ?? sandboxPort), dataDir }
    },
    given ? 1 : 3
  )
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
