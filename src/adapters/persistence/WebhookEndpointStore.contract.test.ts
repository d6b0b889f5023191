import { assert, layer } from "@effect/vitest"
import { Effect, Option } from "effect"
import { persistenceBackends, randomMetaId, randomTenant } from "../../../test/support/Backends.ts"
import {
  activeConversation,
  activeWhatsAppConnection,
  messageTemplate
} from "../../../test/support/PersistenceFixtures.ts"
import { MessageRepository } from "../../application/messaging/ports/MessageRepository.ts"
import { MessageTemplates, type TemplateStatusAnnounce } from "../../application/messaging/ports/MessageTemplates.ts"
import { type StoredEndpoint, WebhookEndpointStore } from "../../application/outbound/ports/WebhookEndpointStore.ts"
import { ConnectionHealthRepository } from "../../application/ports/ConnectionHealthRepository.ts"
import { ConnectionRepository } from "../../application/ports/ConnectionRepository.ts"
import type { EncryptedToken } from "../../domain/ChannelConnection.ts"
import type { ProviderMessageId, TenantId } from "../../domain/Ids.ts"
import { messageStatusEvents, templateStatusEvent } from "../../domain/OutboundEvent.ts"

const tenant = () => randomTenant() as TenantId
const wamid = () => `wamid.${crypto.randomUUID()}` as ProviderMessageId
const secret = "k1:secret" as EncryptedToken
const ok = { attemptedAt: new Date(), statusCode: 200, durationMs: 12.4, responseExcerpt: "ok", error: null }
const failed = { attemptedAt: new Date(), statusCode: 500, durationMs: 3, responseExcerpt: "boom", error: "HTTP 500" }

/** Binds the in-memory endpoint store and outbox to the Postgres one (PGlite, and the server when configured). */
for (const backend of persistenceBackends()) {
  layer(backend.layer, { timeout: 120_000, excludeTestServices: true })(
    `webhook endpoint store contract (${backend.name})`,
    (it) => {
      const endpoint = (t: TenantId, events: ReadonlyArray<string> = ["*"]) =>
        Effect.flatMap(WebhookEndpointStore, (store) =>
          store.create({
            id: crypto.randomUUID(),
            tenantId: t,
            url: "https://hooks.example.com/in",
            events,
            secretEnc: secret
          })
        )
      const connection = activeWhatsAppConnection
      const conversation = (t: TenantId) => activeConversation(t, "15550001111")
      /** Claims every due delivery and answers this endpoint's (others' stay locked only for a second). */
      const claimFor = (endpointId: string) =>
        Effect.map(
          Effect.flatMap(WebhookEndpointStore, (store) => store.claim(1000, 1)),
          (claimed) => claimed.filter((c) => c.endpoint.id === endpointId)
        )
      /** A new tenant with one endpoint on `events` for `use`, removed after it. */
      const withEndpoint = <A, E, R>(
        events: ReadonlyArray<string>,
        use: (t: TenantId, ep: StoredEndpoint, store: WebhookEndpointStore["Service"]) => Effect.Effect<A, E, R>
      ) =>
        Effect.gen(function* () {
          const store = yield* WebhookEndpointStore
          const t = tenant()
          const ep = yield* endpoint(t, events)
          const result = yield* use(t, ep, store)
          yield* store.remove(t, ep.id)
          return result
        })
      const announceTemplate: TemplateStatusAnnounce = (tenantId, template, previous) => [
        templateStatusEvent(tenantId, template, previous)
      ]

      it.effect("creates, lists, finds, updates and removes an endpoint, per tenant", () =>
        Effect.gen(function* () {
          const store = yield* WebhookEndpointStore
          const t = tenant()
          const a = yield* endpoint(t, ["message.received"])
          const b = yield* endpoint(t, ["connection.*"])
          assert.isTrue(a.enabled)
          assert.strictEqual(a.consecutiveFailures, 0)
          assert.isNull(a.disabledReason)
          assert.deepStrictEqual(
            (yield* store.list(t)).map((e) => e.id),
            [a.id, b.id]
          )
          assert.deepStrictEqual(yield* store.list(tenant()), [])
          assert.isTrue(Option.isNone(yield* store.find(tenant(), a.id)), "another tenant cannot read it")
          const disabled = Option.getOrThrow(
            yield* store.update(t, a.id, { enabled: false, disabledReason: "manual", url: "https://x.example.com/" })
          )
          assert.isFalse(disabled.enabled)
          assert.strictEqual(disabled.disabledReason, "manual")
          assert.strictEqual(disabled.url, "https://x.example.com/")
          assert.deepStrictEqual(disabled.events, ["message.received"], "an absent field is kept")
          const expires = new Date("2030-01-01T00:00:00.000Z")
          const rotated = Option.getOrThrow(
            yield* store.update(t, a.id, {
              enabled: true,
              events: ["message.status"],
              rotation: {
                secretEnc: "k1:new" as EncryptedToken,
                previousSecretEnc: secret,
                previousSecretExpiresAt: expires
              }
            })
          )
          assert.isTrue(rotated.enabled)
          assert.isNull(rotated.disabledReason)
          assert.deepStrictEqual(rotated.events, ["message.status"])
          assert.strictEqual(rotated.secretEnc, "k1:new")
          assert.strictEqual(rotated.previousSecretEnc, secret)
          assert.strictEqual(rotated.previousSecretExpiresAt?.toISOString(), expires.toISOString())
          assert.isTrue(Option.isNone(yield* store.update(tenant(), a.id, { enabled: false })))
          assert.isFalse(yield* store.remove(tenant(), a.id))
          assert.isTrue(yield* store.remove(t, a.id))
          assert.isFalse(yield* store.remove(t, a.id))
          assert.deepStrictEqual(
            (yield* store.list(t)).map((e) => e.id),
            [b.id]
          )
          yield* store.remove(t, b.id)
        })
      )

      it.effect("a message insert announces into the outbox once, to the tenant's enabled subscribed endpoints", () =>
        Effect.gen(function* () {
          const store = yield* WebhookEndpointStore
          const messages = yield* MessageRepository
          const t = tenant()
          const conv = yield* conversation(t)
          const subscribed = yield* endpoint(t, ["message.*"])
          const other = yield* endpoint(t, ["connection.connected"])
          const off = yield* endpoint(t, ["*"])
          yield* store.update(t, off.id, { enabled: false, disabledReason: "manual" })
          const foreign = yield* endpoint(tenant(), ["*"])
          const id = wamid()
          const input = {
            tenantId: t,
            conversationId: conv.id,
            providerMessageId: id,
            direction: "inbound" as const,
            type: "text",
            body: { text: { body: "hi" } },
            status: "received" as const,
            sentAt: new Date()
          }
          const announce = () => [
            { tenantId: t, type: "message.received" as const, orderingKey: null, data: { providerMessageId: id } }
          ]
          assert.isTrue((yield* messages.insert(input, announce)).inserted)
          assert.isFalse((yield* messages.insert(input, announce)).inserted, "a duplicate announces nothing")
          const got = yield* store.deliveries(t, subscribed.id, { first: 10 })
          assert.strictEqual(got.length, 1)
          assert.strictEqual(got[0]!.eventType, "message.received")
          assert.strictEqual(got[0]!.state, "pending")
          assert.deepStrictEqual(yield* store.deliveries(t, other.id, { first: 10 }), [])
          assert.deepStrictEqual(yield* store.deliveries(t, off.id, { first: 10 }), [])
          assert.deepStrictEqual(yield* store.deliveries(foreign.tenantId, foreign.id, { first: 10 }), [])
          const claimed = yield* claimFor(subscribed.id)
          assert.strictEqual(claimed.length, 1)
          assert.strictEqual(claimed[0]!.event.id, got[0]!.eventId)
          assert.deepStrictEqual(claimed[0]!.event.data, { providerMessageId: id })
          for (const e of [subscribed, other, off]) yield* store.remove(t, e.id)
          yield* store.remove(foreign.tenantId, foreign.id)
        })
      )

      it.effect("a template's status move announces template.status once, to the tenants holding it", () =>
        withEndpoint(["template.status"], (t, ep, store) =>
          Effect.gen(function* () {
            const templates = yield* MessageTemplates
            const other = tenant()
            const elsewhere = yield* endpoint(other, ["*"])
            const waba = `waba-${crypto.randomUUID()}`
            yield* templates.put(t, messageTemplate(waba))
            const change = {
              status: "REJECTED" as const,
              rejectedReason: "INVALID_FORMAT",
              category: null,
              at: new Date()
            }
            assert.strictEqual(yield* templates.setStatus(waba, "order_ready", "en_US", change, announceTemplate), 1)
            assert.strictEqual(yield* templates.setStatus(waba, "order_ready", "en_US", change, announceTemplate), 1)
            const got = yield* store.deliveries(t, ep.id, { first: 10 })
            assert.deepStrictEqual(
              got.map((d) => d.eventType),
              ["template.status"],
              "the same status again announces nothing"
            )
            const [claimed] = yield* claimFor(ep.id)
            assert.deepInclude(claimed!.event.data as object, {
              name: "order_ready",
              language: "en_US",
              status: "REJECTED",
              previousStatus: "PENDING",
              rejectedReason: "INVALID_FORMAT"
            })
            assert.deepStrictEqual(yield* store.deliveries(other, elsewhere.id, { first: 10 }), [])
            yield* store.remove(other, elsewhere.id)
          })
        )
      )

      it.effect(
        "a sync that moves a stored template's status announces template.status; one that moves none, nothing",
        () =>
          withEndpoint(["template.status"], (t, ep, store) =>
            Effect.gen(function* () {
              const templates = yield* MessageTemplates
              const waba = `waba-${crypto.randomUUID()}`
              const pending = messageTemplate(waba)
              const other = { ...pending, templateId: randomMetaId(), name: "welcome" }
              yield* templates.replaceAll(t, waba, [pending], announceTemplate)
              yield* templates.replaceAll(t, waba, [pending, other], announceTemplate)
              assert.deepStrictEqual(yield* store.deliveries(t, ep.id, { first: 10 }), [], "new or unmoved: nothing")
              const rejected = { ...pending, status: "REJECTED" as const, rejectedReason: "INVALID_FORMAT" }
              yield* templates.replaceAll(t, waba, [rejected, other], announceTemplate)
              yield* templates.replaceAll(t, waba, [rejected, other], announceTemplate)
              yield* templates.replaceAll(
                t,
                waba,
                [{ ...rejected, rejectedReason: "TAG_CONTENT_MISMATCH" }, other],
                announceTemplate
              )
              assert.deepStrictEqual(
                (yield* store.deliveries(t, ep.id, { first: 10 })).map((d) => d.eventType),
                ["template.status", "template.status"],
                "the move, then the reason's move; the same sync again announces nothing"
              )
              const claimed = yield* claimFor(ep.id)
              assert.deepInclude(claimed[0]!.event.data as object, {
                name: "order_ready",
                status: "REJECTED",
                previousStatus: "PENDING",
                rejectedReason: "INVALID_FORMAT"
              })
            })
          )
      )

      it.effect("a connection's move into active announces connection.connected; the same status again does not", () =>
        withEndpoint(["connection.*"], (t, ep, store) =>
          Effect.gen(function* () {
            const repo = yield* ConnectionRepository
            const c = yield* connection(t)
            yield* repo.update(t, c.id, { metadata: { note: "x" } })
            yield* repo.update(t, c.id, { status: "error", metadata: { error: { code: "token_expired" } } })
            const types = (yield* store.deliveries(t, ep.id, { first: 10 })).map((d) => d.eventType)
            assert.deepStrictEqual(types, ["connection.error", "connection.connected"], "newest first")
          })
        )
      )

      it.effect(
        "a health save that moves the overall health announces connection.health_changed; the same does not",
        () =>
          withEndpoint(["connection.health_changed"], (t, ep, store) =>
            Effect.gen(function* () {
              const health = yield* ConnectionHealthRepository
              const c = yield* connection(t)
              const at = new Date("2026-01-01T10:00:00.000Z")
              yield* health.save(t, c.id, [{ name: "token", status: "ok", message: "Valid.", checkedAt: at }])
              yield* health.save(t, c.id, [{ name: "token", status: "ok", message: "Valid again.", checkedAt: at }])
              yield* health.save(t, c.id, [{ name: "webhooks", status: "failing", message: "None.", checkedAt: at }])
              yield* health.save(tenant(), c.id, [{ name: "token", status: "failing", message: "x", checkedAt: at }])
              const claimed = yield* claimFor(ep.id)
              assert.deepStrictEqual(
                claimed.map((d) => {
                  const data = d.event.data as { overall: string; previousOverall: string; connectionId: string }
                  return [d.event.type, data.previousOverall, data.overall, data.connectionId]
                }),
                [["connection.health_changed", "unknown", "ok", c.id]],
                "the first (unknown → ok) only: the second waits behind it on the connection's ordering key"
              )
              yield* store.recordAttempt(claimed[0]!.id, ok, { _tag: "Delivered" }, 50)
              const second = yield* claimFor(ep.id)
              assert.deepStrictEqual(
                second.map((d) => (d.event.data as { overall: string }).overall),
                ["failing"]
              )
              assert.deepStrictEqual(
                (second[0]!.event.data as { checks: ReadonlyArray<{ name: string }> }).checks.map((x) => x.name).sort(),
                ["token", "webhooks"]
              )
              yield* store.recordAttempt(second[0]!.id, ok, { _tag: "Delivered" }, 50)
              assert.deepStrictEqual(yield* claimFor(ep.id), [], "a re-check with the same overall announced nothing")
            })
          )
      )

      it.effect("a status of one message waits while an earlier one to the same endpoint is pending", () =>
        withEndpoint(["message.status"], (t, ep, store) =>
          Effect.gen(function* () {
            const messages = yield* MessageRepository
            yield* connection(t)
            const id = wamid()
            const status = (s: "sent" | "delivered", second: number) => ({
              tenantId: t,
              providerMessageId: id,
              status: s,
              occurredAt: new Date(Date.UTC(2026, 0, 1, 0, 0, second)),
              payload: {},
              error: null
            })
            const announce = (s: "sent" | "delivered", second: number) =>
              messageStatusEvents({ ...status(s, second), connectionId: "c1" })
            yield* messages.applyStatus(status("sent", 1), announce("sent", 1))
            yield* messages.applyStatus(status("delivered", 2), announce("delivered", 2))
            const first = yield* claimFor(ep.id)
            assert.deepStrictEqual(
              first.map((c) => (c.event.data as { status: string }).status),
              ["sent"],
              "the later status waits"
            )
            yield* store.recordAttempt(first[0]!.id, failed, { _tag: "Retry", at: new Date(Date.now() - 1000) }, 50)
            const again = yield* claimFor(ep.id)
            assert.deepStrictEqual(
              again.map((c) => (c.event.data as { status: string }).status),
              ["sent"],
              "a failed first status still blocks the next"
            )
            assert.strictEqual(again[0]!.attempts, 2)
            yield* store.recordAttempt(again[0]!.id, ok, { _tag: "Delivered" }, 50)
            const next = yield* claimFor(ep.id)
            assert.deepStrictEqual(
              next.map((c) => (c.event.data as { status: string }).status),
              ["delivered"]
            )
          })
        )
      )

      it.effect(
        "attempts are logged; failures in a row disable the endpoint once; a disabled endpoint is not claimed",
        () =>
          withEndpoint(["*"], (t, ep, store) =>
            Effect.gen(function* () {
              const test = { tenantId: t, type: "webhook.test" as const, orderingKey: null, data: { test: true } }
              yield* store.announceTo(t, ep.id, test)
              const [d1] = yield* claimFor(ep.id)
              assert.isFalse(
                (yield* store.recordAttempt(d1!.id, failed, { _tag: "Retry", at: new Date(Date.now() - 1000) }, 3))
                  .endpointDisabled
              )
              const [d2] = yield* claimFor(ep.id)
              assert.isFalse((yield* store.recordAttempt(d2!.id, failed, { _tag: "Failed" }, 3)).endpointDisabled)
              const [logged] = yield* store.deliveries(t, ep.id, { first: 10 })
              assert.strictEqual(logged!.state, "failed")
              assert.strictEqual(logged!.attempts, 2)
              assert.isNull(logged!.nextAttemptAt)
              assert.isNotNull(logged!.finishedAt)
              assert.deepStrictEqual(
                logged!.attemptLog.map((a) => [a.statusCode, a.responseExcerpt, a.error]),
                [
                  [500, "boom", "HTTP 500"],
                  [500, "boom", "HTTP 500"]
                ]
              )
              assert.isTrue(yield* store.retryNow(t, logged!.id))
              assert.isFalse(yield* store.retryNow(tenant(), logged!.id), "another tenant's delivery")
              const [d3] = yield* claimFor(ep.id)
              assert.strictEqual(d3!.attempts, 1, "retry now of a failed delivery starts its attempts over")
              assert.isTrue((yield* store.recordAttempt(d3!.id, failed, { _tag: "Failed" }, 3)).endpointDisabled)
              const stored = Option.getOrThrow(yield* store.find(t, ep.id))
              assert.isFalse(stored.enabled)
              assert.strictEqual(stored.disabledReason, "failures")
              assert.strictEqual(stored.consecutiveFailures, 3)
              yield* store.retryNow(t, logged!.id)
              assert.deepStrictEqual(yield* claimFor(ep.id), [], "a disabled endpoint's deliveries wait")
              const enabled = Option.getOrThrow(yield* store.update(t, ep.id, { enabled: true, disabledReason: null }))
              assert.strictEqual(enabled.consecutiveFailures, 0)
              const [d4] = yield* claimFor(ep.id)
              yield* store.recordAttempt(d4!.id, ok, { _tag: "Delivered" }, 3)
              const [done] = yield* store.deliveries(t, ep.id, { first: 10, state: "delivered" })
              assert.strictEqual(done!.lastStatusCode, 200)
              assert.deepStrictEqual(yield* store.deliveries(t, ep.id, { first: 10, state: "failed" }), [])
              // A failure counts; the next success puts the count back to 0.
              yield* store.announceTo(t, ep.id, test)
              const [d5] = yield* claimFor(ep.id)
              yield* store.recordAttempt(d5!.id, failed, { _tag: "Retry", at: new Date(Date.now() - 1000) }, 3)
              assert.strictEqual(Option.getOrThrow(yield* store.find(t, ep.id)).consecutiveFailures, 1)
              const [d6] = yield* claimFor(ep.id)
              assert.strictEqual(d6!.id, d5!.id)
              assert.isFalse((yield* store.recordAttempt(d6!.id, ok, { _tag: "Delivered" }, 3)).endpointDisabled)
              assert.strictEqual(Option.getOrThrow(yield* store.find(t, ep.id)).consecutiveFailures, 0)
            })
          )
      )

      it.effect(
        "attempts recorded together count as one after the other: a success resets, the threshold disables once",
        () =>
          withEndpoint(["*"], (t, ep, store) =>
            Effect.gen(function* () {
              const test = { tenantId: t, type: "webhook.test" as const, orderingKey: null, data: { test: true } }
              const other = yield* endpoint(t)
              const claimAll = (n: number) =>
                Effect.gen(function* () {
                  for (let i = 0; i < n; i++) yield* store.announceTo(t, ep.id, test)
                  yield* store.announceTo(t, other.id, test)
                  const claimed = yield* Effect.flatMap(WebhookEndpointStore, (s) => s.claim(1000, 1))
                  return {
                    mine: claimed.filter((c) => c.endpoint.id === ep.id),
                    theirs: claimed.filter((c) => c.endpoint.id === other.id)
                  }
                })
              const retry = { _tag: "Retry", at: new Date(Date.now() - 1000) } as const
              // Failure, success, failure, failure for this endpoint; a success for the other one in between.
              const first = yield* claimAll(4)
              assert.strictEqual(first.mine.length, 4)
              const results = yield* store.recordAttempts(
                [
                  { deliveryId: first.mine[0]!.id, attempt: failed, outcome: retry },
                  { deliveryId: first.mine[1]!.id, attempt: ok, outcome: { _tag: "Delivered" } },
                  { deliveryId: first.theirs[0]!.id, attempt: ok, outcome: { _tag: "Delivered" } },
                  { deliveryId: first.mine[2]!.id, attempt: failed, outcome: retry },
                  { deliveryId: first.mine[3]!.id, attempt: failed, outcome: { _tag: "Failed" } }
                ],
                3
              )
              assert.deepStrictEqual(
                results.map((r) => r.endpointDisabled),
                [false, false, false, false, false]
              )
              assert.strictEqual(Option.getOrThrow(yield* store.find(t, ep.id)).consecutiveFailures, 2)
              assert.isTrue(Option.getOrThrow(yield* store.find(t, ep.id)).enabled)
              const states = (yield* store.deliveries(t, ep.id, { first: 10 })).map((d) => d.state).sort()
              assert.deepStrictEqual(states, ["delivered", "failed", "pending", "pending"])
              // Two more failures: the first reaches the threshold (3) and disables it, once; the next counts on.
              const second = yield* claimAll(0)
              assert.strictEqual(second.mine.length, 2, "the two retries are due again")
              const more = yield* store.recordAttempts(
                [
                  { deliveryId: second.mine[0]!.id, attempt: failed, outcome: retry },
                  { deliveryId: second.mine[1]!.id, attempt: failed, outcome: retry },
                  { deliveryId: second.theirs[0]!.id, attempt: ok, outcome: { _tag: "Delivered" } },
                  { deliveryId: crypto.randomUUID(), attempt: ok, outcome: { _tag: "Delivered" } }
                ],
                3
              )
              assert.deepStrictEqual(
                more.map((r) => r.endpointDisabled),
                [true, false, false, false],
                "a delivery that does not exist is skipped, the others recorded"
              )
              const stored = Option.getOrThrow(yield* store.find(t, ep.id))
              assert.isFalse(stored.enabled)
              assert.strictEqual(stored.disabledReason, "failures")
              assert.strictEqual(stored.consecutiveFailures, 4)
              const theirs = Option.getOrThrow(yield* store.find(t, other.id))
              assert.isTrue(theirs.enabled)
              assert.strictEqual(theirs.consecutiveFailures, 0)
              const log = yield* store.deliveries(t, ep.id, { first: 10 })
              assert.strictEqual(
                log.reduce((n, d) => n + d.attemptLog.length, 0),
                6
              )
              yield* store.remove(t, other.id)
            })
          )
      )

      it.effect(
        "replay: the range's subscribed events, oldest first, same ids and ordering keys, nothing to a disabled endpoint",
        () =>
          Effect.gen(function* () {
            const store = yield* WebhookEndpointStore
            const messages = yield* MessageRepository
            const t = tenant()
            const conv = yield* conversation(t)
            const received = yield* endpoint(t, ["message.received"])
            const every = yield* endpoint(t, ["*"])
            /** An inbound message announcing `type` with ordering key `key`; answers the provider id. */
            const announce = (type: "message.received" | "message.status", key: string | null) =>
              Effect.gen(function* () {
                const id = wamid()
                yield* messages.insert(
                  {
                    tenantId: t,
                    conversationId: conv.id,
                    providerMessageId: id,
                    direction: "inbound",
                    type: "text",
                    body: { text: { body: "hi" } },
                    status: "received",
                    sentAt: new Date()
                  },
                  () => [{ tenantId: t, type, orderingKey: key, data: { providerMessageId: id } }]
                )
                yield* Effect.sleep("3 millis")
              })
            // The conversation's own events (its connection's) a few milliseconds before the range: times here are
            // compared to the millisecond.
            yield* Effect.sleep("3 millis")
            yield* announce("message.received", "k1")
            yield* announce("message.status", "k1")
            yield* announce("message.received", "k1")
            yield* announce("message.received", null)
            const originals = [...(yield* store.deliveries(t, received.id, { first: 10 }))].reverse()
            assert.strictEqual(originals.length, 3)
            const [e1, e3, e4] = originals.map((d) => d!)
            // [from, to): from the first event's time (included) to the last one's (excluded); the status between is
            // not one `received` subscribes to.
            const from = e1!.occurredAt
            const to = e4!.occurredAt
            assert.strictEqual(yield* store.replay(t, received.id, from, to), 2)
            const log = yield* store.deliveries(t, received.id, { first: 10 })
            assert.deepStrictEqual(
              log.slice(0, 2).map((d) => [d.eventId, d.eventType, d.state, d.attempts, d.attemptLog.length]),
              [
                [e3!.eventId, "message.received", "pending", 0, 0],
                [e1!.eventId, "message.received", "pending", 0, 0]
              ],
              "new pending deliveries of the same events, the older event first"
            )
            // The replayed deliveries keep their ordering key: both wait behind the first original (same key, still
            // pending); the original without a key goes too.
            assert.deepStrictEqual((yield* claimFor(received.id)).map((c) => c.id).sort(), [e1!.id, e4!.id].sort())
            yield* store.update(t, every.id, { enabled: false, disabledReason: "manual" })
            assert.strictEqual(yield* store.replay(t, every.id, from, to), 0, "a disabled endpoint gets nothing")
            assert.strictEqual((yield* store.deliveries(t, every.id, { first: 10 })).length, 4)
            yield* store.update(t, every.id, { enabled: true })
            assert.strictEqual(yield* store.replay(t, every.id, from, to), 3, "every type of the range")
            assert.deepStrictEqual(
              (yield* store.deliveries(t, every.id, { first: 3 })).map((d) => d.eventType),
              ["message.received", "message.status", "message.received"]
            )
            assert.strictEqual(yield* store.replay(tenant(), every.id, from, to), 0, "another tenant's endpoint")
            for (const e of [received, every]) yield* store.remove(t, e.id)
          })
      )

      it.effect("replay re-sends a time range's events with the same ids; purge drops old events and their log", () =>
        withEndpoint(["connection.*"], (t, ep, store) =>
          Effect.gen(function* () {
            const from = new Date(Date.now() - 1000)
            yield* connection(t)
            yield* store.announceTo(t, ep.id, { tenantId: t, type: "webhook.test", orderingKey: null, data: {} })
            const to = new Date(Date.now() + 1000)
            const [original] = yield* store.deliveries(t, ep.id, { first: 10, eventType: "connection.connected" })
            assert.strictEqual(yield* store.replay(t, ep.id, from, to), 1, "the test event is not replayed")
            assert.strictEqual(yield* store.replay(tenant(), ep.id, from, to), 0)
            assert.strictEqual(yield* store.replay(t, ep.id, new Date(0), from), 0)
            const replayed = yield* store.deliveries(t, ep.id, { first: 10, eventType: "connection.connected" })
            assert.strictEqual(replayed.length, 2)
            assert.deepStrictEqual(
              replayed.map((d) => d.eventId),
              [original!.eventId, original!.eventId]
            )
            const purged = yield* store.purgeBefore(to, 100_000)
            assert.isAtLeast(purged, 2)
            assert.deepStrictEqual(yield* store.deliveries(t, ep.id, { first: 10 }), [])
          })
        )
      )
    }
  )
}
