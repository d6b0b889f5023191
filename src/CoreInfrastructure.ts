/**
 * The adapters both the service and the webhook worker's thread (`WebhookWorkerThread.ts`) build: the database, its
 * live events and wake-ups, the token cipher and the Graph API. Apart from `Infrastructure.ts` (which re-exports
 * them) so that the thread loads none of the HTTP, media or JWT modules: each module a thread loads costs its own
 * copy in that thread's heap.
 */
import { join } from "node:path"
import * as NodeRedis from "@effect/platform-node/NodeRedis"
import { Layer, Option, Redacted } from "effect"
import type { AppConfigShape } from "./AppConfig.ts"
import { layerFromKeys } from "./adapters/crypto/TokenCipherAesGcm.ts"
import { MetaGraphHttp } from "./adapters/meta-graph/MetaGraphHttp.ts"
import { layerEmbedded, layerServer } from "./adapters/persistence/Database.ts"
import { InboxWakeupsMemory } from "./adapters/persistence/InboxWakeupsMemory.ts"
import { InboxWakeupsPg } from "./adapters/persistence/InboxWakeupsPg.ts"
import { LiveEventsMemory } from "./adapters/persistence/LiveEventsMemory.ts"
import { LiveEventsPg } from "./adapters/persistence/LiveEventsPg.ts"
import { LiveEventsRedis } from "./adapters/persistence/LiveEventsRedis.ts"

/** PostgreSQL at `DATABASE_URL`, or embedded PGlite in `DATA_DIR/pglite` when it is unset. */
export const databaseLayer = (config: AppConfigShape) =>
  Option.match(config.databaseUrl, {
    onNone: () => layerEmbedded(join(config.dataDir, "pglite")),
    onSome: (url) => layerServer(url)
  }).pipe(Layer.orDie)

/**
 * Live events for the page: through Redis pub/sub when `REDIS_URL` is set, else through PostgreSQL LISTEN/NOTIFY
 * when `DATABASE_URL` is set (either way every instance hears every instance), else in process on embedded PGlite
 * (one instance; its single connection cannot be held by a LISTEN).
 */
export const liveEventsLayer = (config: AppConfigShape) =>
  Option.match(config.redisUrl, {
    onSome: (url) => LiveEventsRedis.pipe(Layer.provide(NodeRedis.layer({ url: Redacted.value(url) })), Layer.orDie),
    onNone: () => (Option.isSome(config.databaseUrl) ? LiveEventsPg : LiveEventsMemory)
  })

/** The webhook worker's wake-ups: LISTEN/NOTIFY on PostgreSQL (every instance), in process on embedded PGlite. */
export const inboxWakeupsLayer = (config: AppConfigShape) =>
  Option.isSome(config.databaseUrl) ? InboxWakeupsPg : InboxWakeupsMemory

/** The token cipher under the configured active key, still able to decrypt under the previous keys. */
export const tokenCipherLayer = (config: AppConfigShape) =>
  layerFromKeys({
    active: Redacted.value(config.tokenEncryptionKey),
    previous: config.previousTokenEncryptionKeys.map(Redacted.value)
  })

export const metaGraphLayer = (config: AppConfigShape) =>
  MetaGraphHttp({
    graphBaseUrl: config.meta.graphBaseUrl,
    graphVersion: config.meta.graphVersion,
    appId: config.meta.appId,
    appSecret: config.meta.appSecret
  })
