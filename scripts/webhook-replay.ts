/**
 * `npm run webhook:replay -- <sample.json> [--phone-number-id ID] [--url URL]` (dev only): signs a webhook sample
 * with the sandbox app secret (DATA_DIR/sandbox-secrets.json, or META_APP_SECRET) exactly as Meta does (escaped
 * unicode, `X-Hub-Signature-256`) and posts it to the running service.
 *
 * `npm run webhook:replay -- --failed [--id ID ...] [--list]` (any mode): lists the webhook events parked as
 * `failed` (id, received, attempts, last error) and puts them (or only those named) back in the queue, due at
 * once with a fresh attempt count; `--list` only lists. It uses DATABASE_URL, or the embedded database (stop the
 * service first: PGlite serves one process).
 */
import { createHmac } from "node:crypto"
import { existsSync, readFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { parseArgs } from "node:util"
import { NodeRuntime } from "@effect/platform-node"
import { Console, Effect, Layer } from "effect"
import { loadAppConfig } from "../src/AppConfig.ts"
import { MigrationsLive } from "../src/adapters/persistence/Migrations.ts"
import { PersistencePg } from "../src/adapters/persistence/Persistence.ts"
import { WebhookInbox } from "../src/application/webhooks/ports/WebhookInbox.ts"
import type { WebhookEventId } from "../src/domain/Ids.ts"
import { databaseLayer } from "../src/Infrastructure.ts"

/** Meta's serialisation: non-ASCII characters escaped as `\uXXXX` with lowercase hex. */
export const metaSerialise = (value: unknown): string =>
  JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)

export const signBody = (body: string, secret: string): string =>
  `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`

/** Replaces every `metadata.phone_number_id` of a payload. */
export const withPhoneNumberId = (payload: unknown, phoneNumberId: string): unknown =>
  JSON.parse(JSON.stringify(payload), (key, value) => (key === "phone_number_id" ? phoneNumberId : value))

/** Lists the failed events (at most 1000 shown) and, unless `listOnly`, requeues them (or only `ids`). */
export const replayFailed = (options: { readonly ids?: ReadonlyArray<string>; readonly listOnly?: boolean }) =>
  Effect.gen(function* () {
    const inbox = yield* WebhookInbox
    const failed = yield* inbox.listFailed(1000)
    const shown =
      options.ids === undefined || options.ids.length === 0
        ? failed
        : failed.filter((event) => options.ids!.includes(event.id))
    for (const event of shown) {
      yield* Console.log(
        `${event.id}  received ${event.receivedAt.toISOString()}  attempts ${event.attempts}  ${event.lastError ?? ""}`
      )
    }
    if (options.listOnly === true) return { listed: shown.length, requeued: 0 }
    const requeued = yield* inbox.requeueFailed(
      options.ids === undefined || options.ids.length === 0 ? undefined : (options.ids as ReadonlyArray<WebhookEventId>)
    )
    yield* Console.log(`Requeued ${requeued} failed webhook event(s).`)
    return { listed: shown.length, requeued }
  })

const replayFailedMain = (options: { readonly ids: ReadonlyArray<string>; readonly listOnly: boolean }) =>
  NodeRuntime.runMain(
    Effect.gen(function* () {
      const config = yield* loadAppConfig()
      const layer = PersistencePg.pipe(
        Layer.provide(MigrationsLive.pipe(Layer.orDie, Layer.provideMerge(databaseLayer(config))))
      )
      yield* replayFailed(options).pipe(Effect.provide(layer))
    })
  )

const main = async () => {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      "phone-number-id": { type: "string" },
      url: { type: "string" },
      failed: { type: "boolean" },
      id: { type: "string", multiple: true },
      list: { type: "boolean" }
    }
  })
  if (values.failed === true) {
    replayFailedMain({ ids: values.id ?? [], listOnly: values.list === true })
    return
  }
  const file = positionals[0]
  if (file === undefined) {
    console.error(
      "Usage: npm run webhook:replay -- <sample.json> [--phone-number-id ID] [--url URL]\n" +
        "       npm run webhook:replay -- --failed [--id ID ...] [--list]"
    )
    process.exit(2)
  }
  if (process.env["META_APP_ID"]) {
    console.error("webhook:replay is for sandbox mode only (META_APP_ID is set).")
    process.exit(2)
  }
  const secretsPath = join(resolve(process.env["DATA_DIR"] ?? "./data"), "sandbox-secrets.json")
  const secret =
    process.env["META_APP_SECRET"] ??
    (existsSync(secretsPath)
      ? (JSON.parse(readFileSync(secretsPath, "utf8")) as Record<string, string>)["META_APP_SECRET"]
      : undefined)
  if (secret === undefined) {
    console.error(`No app secret: start the service once in sandbox mode (it writes ${secretsPath}).`)
    process.exit(2)
  }
  const sample: unknown = JSON.parse(readFileSync(resolve(file), "utf8"))
  const payload =
    values["phone-number-id"] === undefined ? sample : withPhoneNumberId(sample, values["phone-number-id"])
  const body = metaSerialise(payload)
  const url = values.url ?? `http://127.0.0.1:${process.env["PORT"] ?? 3000}/webhooks/meta/whatsapp`
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", "x-hub-signature-256": signBody(body, secret) },
    body
  })
  console.log(`POST ${url} -> ${response.status} ${await response.text()}`)
  process.exit(response.ok ? 0 : 1)
}

if (import.meta.url === `file://${process.argv[1]}`) await main()
