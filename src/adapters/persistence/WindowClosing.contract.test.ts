import { assert, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { TestClock } from "effect/testing"
import { persistenceBackends, randomTenant, sleep } from "../../../test/support/Backends.ts"
import { activeWhatsAppConnection } from "../../../test/support/PersistenceFixtures.ts"
import { ConversationRepository } from "../../application/messaging/ports/ConversationRepository.ts"
import { WindowClosingNotices } from "../../application/messaging/WindowClosingNotices.ts"
import { WebhookEndpointStore } from "../../application/outbound/ports/WebhookEndpointStore.ts"
import { JobLeases } from "../../application/ports/JobLeases.ts"
import type { EncryptedToken } from "../../domain/ChannelConnection.ts"
import type { TenantId } from "../../domain/Ids.ts"

const HOUR = 3_600_000
const MINUTE = 60_000
const secret = "k1:secret" as EncryptedToken

/**
 * `conversation.window_closing` (issue 19) on memory, PGlite and PostgreSQL: one event per window, written with its
 * mark, a new inbound message opening a window announced again. Times far from today's (and a tenant of its own)
 * keep other tests' conversations out of the ranges asked about.
 */
for (const backend of persistenceBackends()) {
  layer(backend.layer, { timeout: 120_000, excludeTestServices: true })(
    `conversation.window_closing (${backend.name})`,
    (it) => {
      /** A tenant with a number, an endpoint for the event, and a conversation whose contact last wrote at `at`. */
      const setUp = (at: Date) =>
        Effect.gen(function* () {
          const t = randomTenant() as TenantId
          const connection = yield* activeWhatsAppConnection(t)
          const store = yield* WebhookEndpointStore
          const endpoint = yield* store.create({
            id: crypto.randomUUID(),
            tenantId: t,
            url: "https://hooks.example.com/in",
            events: ["conversation.window_closing"],
            secretEnc: secret
          })
          const contact = (lastInboundAt: Date) =>
            Effect.flatMap(ConversationRepository, (repo) =>
              repo.upsert({
                tenantId: t,
                connectionId: connection.id,
                phoneNumberId: connection.phoneNumberId!,
                waId: "15557654321",
                contactName: "Ada",
                lastMessageAt: lastInboundAt,
                lastInboundAt
              })
            )
          const conversation = yield* contact(at)
          const events = Effect.map(store.deliveries(t, endpoint.id, { first: 50 }), (deliveries) =>
            deliveries.map((d) => d.eventType)
          )
          return { t, conversation, contact, events, store, endpoint }
        })
      const announce = (now: Date, leadMillis: number) =>
        Effect.flatMap(ConversationRepository, (repo) =>
          repo.announceClosingWindows(now, new Date(now.getTime() + leadMillis), 500)
        )
      const mine = (t: TenantId) => (announced: ReadonlyArray<{ readonly tenantId: TenantId }>) =>
        announced.filter((c) => c.tenantId === t).length

      it.effect("announces a window once, inside the lead only; a new inbound message opens one announced again", () =>
        Effect.gen(function* () {
          const inbound = new Date(Date.UTC(2031, 0, 1) + Math.floor(Math.random() * 1e6) * MINUTE)
          const { t, conversation, contact, events, store } = yield* setUp(inbound)
          const at = (offset: number) => new Date(inbound.getTime() + offset)

          // 1 h 1 min before it closes: outside a 60-minute lead.
          assert.strictEqual(mine(t)(yield* announce(at(23 * HOUR - MINUTE), HOUR)), 0)
          assert.deepStrictEqual(yield* events, [])
          // 59 minutes before: announced, with its data; asking again (another round, another instance) adds none.
          const announced = yield* announce(at(23 * HOUR + MINUTE), HOUR)
          assert.deepStrictEqual(
            announced.filter((c) => c.tenantId === t).map((c) => c.id),
            [conversation.id]
          )
          assert.strictEqual(mine(t)(yield* announce(at(23 * HOUR + 2 * MINUTE), HOUR)), 0)
          assert.strictEqual(mine(t)(yield* announce(at(23 * HOUR + 30 * MINUTE), 2 * HOUR)), 0)
          assert.deepStrictEqual(yield* events, ["conversation.window_closing"])
          const claimed = (yield* store.claim(1000, 1)).filter((c) => c.event.type === "conversation.window_closing")
          const data = claimed.find((c) => c.endpoint.tenantId === t)?.event.data as Record<string, unknown>
          assert.deepStrictEqual(data, {
            conversationId: conversation.id,
            connectionId: conversation.connectionId,
            phoneNumberId: conversation.phoneNumberId,
            waId: "15557654321",
            contactName: "Ada",
            lastInboundAt: inbound.toISOString(),
            closesAt: at(24 * HOUR).toISOString()
          })

          // The contact writes again 23 h 30 min after: a new window, closing 24 h after that message.
          const again = at(23 * HOUR + 30 * MINUTE)
          yield* contact(again)
          const later = (offset: number) => new Date(again.getTime() + offset)
          assert.strictEqual(mine(t)(yield* announce(later(22 * HOUR), HOUR)), 0)
          assert.strictEqual(mine(t)(yield* announce(later(23 * HOUR + 10 * MINUTE), HOUR)), 1)
          assert.strictEqual(mine(t)(yield* announce(later(23 * HOUR + 20 * MINUTE), HOUR)), 0)
          assert.deepStrictEqual(yield* events, ["conversation.window_closing", "conversation.window_closing"])
        })
      )

      it.effect("a window that already closed (the service was down) is not announced as closing", () =>
        Effect.gen(function* () {
          const inbound = new Date(Date.UTC(2032, 0, 1) + Math.floor(Math.random() * 1e6) * MINUTE)
          const { t, events } = yield* setUp(inbound)
          assert.strictEqual(mine(t)(yield* announce(new Date(inbound.getTime() + 24 * HOUR), HOUR)), 0)
          assert.strictEqual(mine(t)(yield* announce(new Date(inbound.getTime() + 30 * HOUR), HOUR)), 0)
          assert.deepStrictEqual(yield* events, [])
        })
      )

      it.effect("the job, on its clock (TestClock) under its lease: once per window, however many rounds", () =>
        Effect.gen(function* () {
          const inbound = new Date(Date.UTC(2033, 0, 1) + Math.floor(Math.random() * 1e6) * MINUTE)
          const { events } = yield* setUp(inbound)
          yield* TestClock.setTime(inbound.getTime() + 22 * HOUR + 30 * MINUTE)
          // The job's rounds, counted as each one ends (its statements done, its lease released or resting).
          const leases = yield* JobLeases
          let rounds = 0
          const counted = JobLeases.of({
            run: (lease, work) => leases.run(lease, work).pipe(Effect.ensuring(Effect.sync(() => void rounds++)))
          })
          // WINDOW_CLOSING_NOTICE_MINUTES=60, a round a minute.
          yield* Layer.build(WindowClosingNotices.worker("60 minutes", "1 minute")).pipe(
            Effect.provideService(JobLeases, counted)
          )
          // The database's I/O is real: after each minute, real time passes until that minute's round has ended
          // (and a moment more, for the job to be back asleep on the TestClock).
          const roundsDone = (n: number): Effect.Effect<void> =>
            rounds >= n
              ? sleep(1)
              : Effect.andThen(
                  sleep(1),
                  Effect.suspend(() => roundsDone(n))
                )
          const minutes = (n: number) =>
            Effect.repeat(
              Effect.suspend(() => {
                const next = rounds + 1
                return Effect.andThen(TestClock.adjust("1 minute"), roundsDone(next))
              }),
              { times: n - 1 }
            )
          yield* roundsDone(1)
          assert.deepStrictEqual(yield* events, [], "1 h 30 min before it closes: not yet")
          yield* minutes(29)
          assert.deepStrictEqual(yield* events, [], "1 h 1 min before: not yet")
          yield* minutes(2)
          assert.deepStrictEqual(yield* events, ["conversation.window_closing"], "59 minutes before: announced")
          yield* minutes(30)
          assert.deepStrictEqual(yield* events, ["conversation.window_closing"], "30 more rounds: still one")
          assert.strictEqual(rounds, 62, "one round at the start and one a minute after")
        }).pipe(Effect.scoped, Effect.provide(TestClock.layer()))
      )
    }
  )
}
