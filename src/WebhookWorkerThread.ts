/**
 * The webhook worker in its own thread (`WEBHOOK_WORKER_THREAD=true`, PostgreSQL only; issue 18.2, w7B). Intake and
 * the worker otherwise share one Node event loop: under closed-loop intake the worker gets whatever that loop leaves.
 * In a `worker_threads` thread it has its own event loop, Effect runtime and connection pool, so the operating system
 * schedules it beside intake (on another core when one is free).
 *
 * The thread runs `WebhookProcessor.worker` over the same adapters as the main thread (PostgreSQL, Meta's decoder,
 * the Graph API for the checks some webhooks need, the template webhooks), started once the main thread has migrated
 * the database. It is woken by LISTEN/NOTIFY (the intake's group commit notifies at commit, as for another instance),
 * and announces live events through PostgreSQL NOTIFY or Redis exactly as the main thread does. Nothing else moves:
 * every other job stays in the main thread. The same module is the thread's entry (it starts when loaded off the main
 * thread); `npm run build` bundles it as `dist/server/webhook-worker.js`.
 */
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads"
import { Cause, Effect, Exit, Layer, Metric, Option, Redacted } from "effect"
import type { AppConfigShape } from "./AppConfig.ts"
import { MetaWebhookDecoder } from "./adapters/meta-graph/MetaWebhooks.ts"
import { loggingLayer } from "./adapters/observability/Logging.ts"
import { ForwardingMetricRegistry, type MetricUpdate, recordMetricUpdates } from "./adapters/observability/Metrics.ts"
import { PersistencePg } from "./adapters/persistence/Persistence.ts"
import { Templates } from "./application/messaging/Templates.ts"
import { WebhookProcessor } from "./application/webhooks/WebhookProcessor.ts"
import {
  databaseLayer,
  inboxWakeupsLayer,
  liveEventsLayer,
  metaGraphLayer,
  tokenCipherLayer
} from "./CoreInfrastructure.ts"

/** Under tsx this module itself; in the bundle, `webhook-worker.js` beside `main.js`. */
const entry = import.meta.url.endsWith(".ts")
  ? new URL(import.meta.url)
  : new URL("./webhook-worker.js", import.meta.url)

type Message =
  | { readonly type: "ready" }
  | { readonly type: "failed"; readonly reason: string }
  | { readonly type: "metrics"; readonly updates: ReadonlyArray<MetricUpdate> }

/** How often the thread sends its metric updates over to the main thread's registry (and `/metrics`). */
const METRICS_FLUSH_MILLIS = 500

// The configuration crosses to the thread as plain data: `Redacted` and `Option` values are tagged on the way.
const encode = (value: unknown): unknown => {
  if (Redacted.isRedacted(value)) return { "~redacted": Redacted.value(value) }
  if (Option.isOption(value))
    return { "~option": Option.isSome(value), value: Option.map(value, encode).pipe(Option.getOrUndefined) }
  if (Array.isArray(value)) return value.map(encode)
  if (value !== null && typeof value === "object") {
    if (Object.getPrototypeOf(value) !== Object.prototype)
      throw new Error(`the worker thread's configuration holds a ${value.constructor.name}`)
    return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, encode(v)]))
  }
  return value
}
const decode = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(decode)
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>
    if ("~redacted" in record) return Redacted.make(record["~redacted"])
    if ("~option" in record) return record["~option"] === true ? Option.some(decode(record["value"])) : Option.none()
    return Object.fromEntries(Object.entries(record).map(([key, v]) => [key, decode(v)]))
  }
  return value
}

/** What the thread runs: the webhook worker and what it needs, on its own pool. */
const threadLayer = (config: AppConfigShape) => {
  // Live events: over PostgreSQL the batch's NOTIFY reaches every subscriber (the main thread's included) and the
  // adapters publish in process only to this thread's subscribers, of which there are none: no LiveEvents here.
  // Over Redis the adapter publishes: kept (it SUBSCRIBEs only while it has a subscriber, so never here).
  const live = Option.isSome(config.redisUrl) ? liveEventsLayer(config) : Layer.empty
  const Database = Layer.merge(live, inboxWakeupsLayer(config)).pipe(Layer.provideMerge(databaseLayer(config)))
  const Ports = Layer.mergeAll(
    PersistencePg,
    metaGraphLayer(config),
    tokenCipherLayer(config),
    MetaWebhookDecoder
  ).pipe(Layer.provideMerge(Database))
  const Processor = WebhookProcessor.layer.pipe(
    Layer.provide(Templates.webhooks.pipe(Layer.provide(Templates.layer))),
    Layer.provideMerge(Ports)
  )
  return WebhookProcessor.worker().pipe(Layer.provide(Processor))
}

/** For the tests: another build of the thread's module, and each thread as it is started. */
export interface WebhookWorkerThreadOptions {
  readonly threadModule?: URL
  readonly onStart?: (thread: Worker) => void
}

/**
 * The main thread's side: starts the thread once the layer is built (the database migrated) and waits until its
 * worker runs (a thread that cannot start fails the service's start). On shutdown it asks the thread to stop (its
 * batch in flight is interrupted: the lease runs out and the events are claimed again; its pool closes), ending it
 * after 10 s if it has not. A thread that ends on its own is logged as an error and started again a second later.
 * The metrics the thread records (the Graph API's timings and throttles) arrive as updates every half second and
 * are recorded in this thread's registry, so `/metrics` shows them.
 */
export const webhookWorkerThread = (
  config: AppConfigShape,
  options: WebhookWorkerThreadOptions = {}
): Layer.Layer<never> =>
  Layer.effectDiscard(
    Effect.gen(function* () {
      const record = Effect.runSyncWith(yield* Effect.context<never>())
      const start = Effect.callback<{ readonly thread: Worker; readonly exited: Promise<number> }, Error>((resume) => {
        const thread = new Worker(options.threadModule ?? entry, {
          workerData: { "~webhookWorker": true, config: encode(config) },
          name: "webhook-worker",
          // Its live heap is a batch (up to 800 events) and the modules: a cap keeps the process's memory bounded
          // as `npm start`'s --max-old-space-size does the main thread's (issue 18.5).
          resourceLimits: { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 8 }
        })
        options.onStart?.(thread)
        const exited = new Promise<number>((done) => thread.once("exit", done))
        let started = false
        const onError = (error: Error) => resume(Effect.fail(error))
        thread.once("error", onError)
        thread.on("message", (message: Message) => {
          if (message.type === "metrics") return record(recordMetricUpdates(message.updates))
          if (started) return
          started = true
          thread.off("error", onError)
          if (message.type === "ready") resume(Effect.succeed({ thread, exited }))
          else resume(Effect.fail(new Error(`webhook worker thread: ${message.reason}`)))
        })
      })
      let current = yield* start
      let stopping = false
      yield* Effect.addFinalizer(() =>
        Effect.promise(async () => {
          stopping = true
          const { thread, exited } = current
          const timer = setTimeout(() => void thread.terminate(), 10_000)
          thread.postMessage("stop")
          await exited
          clearTimeout(timer)
        })
      )
      yield* Effect.logInfo("Webhook worker: running in its own thread")
      yield* Effect.forkScoped(
        Effect.gen(function* () {
          while (true) {
            const code = yield* Effect.promise(() => current.exited)
            if (stopping) return
            yield* Effect.logError(`Webhook worker thread ended on its own (exit code ${code}); starting it again`)
            yield* Effect.sleep("1 second")
            const next = yield* start.pipe(
              Effect.tapError((error) => Effect.logError("Webhook worker thread could not start", error)),
              Effect.option
            )
            if (Option.isSome(next)) current = next.value
          }
        })
      )
    })
  ).pipe(Layer.orDie)

// The thread's side: builds the worker, says so, and runs until asked to stop.
const threadData = workerData as { readonly "~webhookWorker"?: true; readonly config?: unknown } | null
if (!isMainThread && parentPort !== null && threadData?.["~webhookWorker"] === true) {
  const port = parentPort
  const config = decode(threadData.config) as AppConfigShape
  // The metrics recorded here are the main thread's to serve: sent over in batches (none while nothing happens).
  let updates: Array<MetricUpdate> = []
  const flush = () => {
    if (updates.length === 0) return
    port.postMessage({ type: "metrics", updates } satisfies Message)
    updates = []
  }
  const flushing = setInterval(flush, METRICS_FLUSH_MILLIS)
  flushing.unref()
  const program = Effect.scoped(
    Effect.gen(function* () {
      yield* Layer.build(threadLayer(config))
      port.postMessage({ type: "ready" } satisfies Message)
      return yield* Effect.never
    })
  ).pipe(
    Effect.provide(
      loggingLayer(config.logLevel, config.logFormat, {
        secrets: [config.meta.appSecret, config.meta.webhookVerifyToken, config.authJwtSecret]
      })
    ),
    Effect.provideService(
      Metric.MetricRegistry,
      new ForwardingMetricRegistry((update) => {
        updates.push(update)
      })
    )
  )
  const fiber = Effect.runFork(program)
  port.on("message", (message) => {
    if (message === "stop") fiber.interruptUnsafe()
  })
  fiber.addObserver((exit) => {
    clearInterval(flushing)
    flush()
    if (Exit.isFailure(exit) && !Cause.hasInterruptsOnly(exit.cause))
      port.postMessage({ type: "failed", reason: Cause.pretty(exit.cause) } satisfies Message)
    port.close()
  })
}
