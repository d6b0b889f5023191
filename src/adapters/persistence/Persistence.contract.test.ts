import { assert, layer } from "@effect/vitest"
import { Effect, Exit, Option, Redacted, Result } from "effect"
import { persistenceBackends, randomMetaId, randomTenant } from "../../../test/support/Backends.ts"
import { activeConversation } from "../../../test/support/PersistenceFixtures.ts"
import { OAuthStateRepository } from "../../application/connect/ports/OAuthStateRepository.ts"
import { ConversationRepository } from "../../application/messaging/ports/ConversationRepository.ts"
import { MessageRepository } from "../../application/messaging/ports/MessageRepository.ts"
import { AuditLog } from "../../application/ports/AuditLog.ts"
import { ConnectionHealthRepository } from "../../application/ports/ConnectionHealthRepository.ts"
import { ConnectionRepository, type ConnectionWrite } from "../../application/ports/ConnectionRepository.ts"
import {
  conversationKey,
  InboundBatchStore,
  type InboundMessageWrite
} from "../../application/webhooks/ports/InboundBatchStore.ts"
import { WebhookInbox } from "../../application/webhooks/ports/WebhookInbox.ts"
import type { EncryptedToken } from "../../domain/ChannelConnection.ts"
import { businessesOf, metaAdsDetails, whatsAppDetails } from "../../domain/ConnectionDetails.ts"
import type {
  ConnectionId,
  ConversationId,
  PhoneNumberId,
  ProviderMessageId,
  TenantId,
  UserId,
  WabaId
} from "../../domain/Ids.ts"
import type { DeliveryStatus } from "../../domain/Message.ts"

const tenant = () => randomTenant() as TenantId
const number = () => randomMetaId() as PhoneNumberId
const wamid = () => `wamid.${crypto.randomUUID()}` as ProviderMessageId
const token = (label: string) => `k1:${Redacted.value(Redacted.make(label))}` as EncryptedToken

const write = (tenantId: TenantId, overrides: Partial<ConnectionWrite> = {}): ConnectionWrite => ({
  tenantId,
  provider: "meta_whatsapp",
  status: "active",
  wabaId: randomMetaId() as WabaId,
  phoneNumberE164: "+15550101234",
  displayName: "Acme Support",
  accessTokenEnc: token("t1"),
  tokenExpiresAt: null,
  scopes: ["whatsapp_business_management", "whatsapp_business_messaging"],
  metadata: { source: "test" },
  ...overrides
})

for (const backend of persistenceBackends()) {
  layer(backend.layer, { timeout: 120_000, excludeTestServices: true })(
    `persistence contract (${backend.name})`,
    (it) => {
      // ---------------------------------------------------------------- connections
      it.effect("claims a number and finds it by tenant and by phone number id", () =>
        Effect.gen(function* () {
          const repo = yield* ConnectionRepository
          const [t, n] = [tenant(), number()]
          const created = yield* repo.claimNumber(n, write(t))
          assert.strictEqual(created.tenantId, t)
          assert.strictEqual(created.phoneNumberId, n)
          assert.strictEqual(created.status, "active")
          assert.deepStrictEqual(created.scopes, ["whatsapp_business_management", "whatsapp_business_messaging"])
          assert.deepStrictEqual(created.metadata, { source: "test" })
          const current = yield* repo.findCurrent(t, "meta_whatsapp")
          assert.strictEqual(Option.getOrThrow(current).id, created.id)
          const routed = yield* repo.findByPhoneNumberId(n)
          assert.strictEqual(Option.getOrThrow(routed).tenantId, t)
          assert.isTrue(Option.isNone(yield* repo.findById(tenant(), created.id)), "another tenant cannot read it")
        })
      )

      it.effect("findCurrentRecent sees every write through the repository at once, whichever tenant it touched", () =>
        Effect.gen(function* () {
          const repo = yield* ConnectionRepository
          const [t, other, n] = [tenant(), tenant(), number()]
          assert.isTrue(Option.isNone(yield* repo.findCurrentRecent(t, "meta_whatsapp")))
          const created = yield* repo.claimNumber(n, write(t))
          assert.strictEqual(Option.getOrThrow(yield* repo.findCurrentRecent(t, "meta_whatsapp")).id, created.id)
          yield* repo.update(t, created.id, { status: "revoked" })
          assert.strictEqual(Option.getOrThrow(yield* repo.findCurrentRecent(t, "meta_whatsapp")).status, "revoked")
          // Another tenant takes the revoked number over: the first tenant's view follows at once as well.
          assert.strictEqual(Option.getOrThrow(yield* repo.findCurrentRecent(t, "meta_whatsapp")).tenantId, t)
          yield* repo.claimNumber(n, write(other))
          const after = yield* repo.findCurrentRecent(t, "meta_whatsapp")
          assert.deepStrictEqual(
            Option.map(after, (row) => row.id),
            Option.map(yield* repo.findCurrent(t, "meta_whatsapp"), (row) => row.id)
          )
          assert.strictEqual(Option.getOrThrow(yield* repo.findCurrentRecent(other, "meta_whatsapp")).tenantId, other)
        })
      )

      it.effect("rows stored in older shapes still decode into typed details after the round trip", () =>
        Effect.gen(function* () {
          const repo = yield* ConnectionRepository
          const t = tenant()
          // Shapes older code wrote: ad accounts with Meta's numeric status and no `personal`, an error as a string,
          // a PIN key cleared to null, and keys no use case reads any more.
          yield* repo.upsertUnnumbered(
            write(t, {
              provider: "meta_ads",
              wabaId: null,
              phoneNumberE164: null,
              displayName: null,
              metadata: {
                businesses: [
                  { id: "b1", name: "Biz", adAccounts: [{ id: "act_1", name: "A", currency: "EUR", accountStatus: 2 }] }
                ],
                selected_business_id: "b1",
                selected_ad_account_id: "act_1",
                user: { id: "u1", name: "Ana" },
                error: "token expired",
                registration_pin_enc: null,
                retired_by: "0004_one_live_number"
              } as Record<string, unknown>
            })
          )
          const stored = Option.getOrThrow(yield* repo.findCurrent(t, "meta_ads"))
          assert.deepStrictEqual(businessesOf(stored), [
            {
              id: "b1",
              name: "Biz",
              personal: false,
              adAccounts: [{ id: "act_1", name: "A", currency: "EUR", accountStatus: "unknown" }]
            }
          ])
          const details = metaAdsDetails(stored)
          assert.strictEqual(details.selected_ad_account_id, "act_1")
          assert.deepStrictEqual(details.user, { id: "u1", name: "Ana" })
          assert.isUndefined(details.error, "a string error is not an error detail: it reads as absent")
          assert.strictEqual(stored.metadata["retired_by"], "0004_one_live_number", "unread keys are kept")
          const whatsapp = yield* repo.claimNumber(
            number(),
            write(t, {
              metadata: {
                registration_pin_enc: null,
                choices: "p1",
                pending_reason: "display_name_review"
              } as Record<string, unknown>
            })
          )
          assert.deepStrictEqual(whatsAppDetails(whatsapp), {
            registration_pin_enc: null,
            pending_reason: "display_name_review"
          })
        })
      )

      // ---------------------------------------------------------------- connection health
      it.effect(
        "health checks are stored by name (a check replaces its own), per tenant, with the latest webhook time",
        () =>
          Effect.gen(function* () {
            const repo = yield* ConnectionRepository
            const health = yield* ConnectionHealthRepository
            const t = tenant()
            const connection = yield* repo.claimNumber(number(), write(t))
            assert.deepStrictEqual(yield* health.get(t, connection.id), { checks: [], lastWebhookAt: null })
            const at = new Date("2026-01-01T10:00:00.000Z")
            const later = new Date("2026-01-01T10:05:00.000Z")
            yield* health.save(t, connection.id, [
              { name: "webhooks", status: "warning", message: "No webhook yet.", checkedAt: at },
              { name: "token", status: "ok", message: "Valid.", checkedAt: at }
            ])
            yield* health.save(t, connection.id, [
              { name: "token", status: "failing", message: "Revoked.", checkedAt: later }
            ])
            const stored = yield* health.get(t, connection.id)
            assert.deepStrictEqual(
              stored.checks,
              [
                { name: "token", status: "failing", message: "Revoked.", checkedAt: later },
                { name: "webhooks", status: "warning", message: "No webhook yet.", checkedAt: at }
              ],
              "in display order, the newer token check replacing the older"
            )
            assert.deepStrictEqual((yield* health.get(tenant(), connection.id)).checks, [], "another tenant reads none")
            yield* health.save(tenant(), connection.id, [
              { name: "token", status: "ok", message: "Forged.", checkedAt: later }
            ])
            assert.strictEqual((yield* health.get(t, connection.id)).checks[0]!.message, "Revoked.", "nor writes")
            const listed = (yield* health.listAll).filter((row) => row.connectionId === connection.id)
            assert.deepStrictEqual(listed, [{ connectionId: connection.id, checks: stored.checks }], "listed once")

            yield* health.recordWebhook(t, connection.id, later)
            yield* health.recordWebhook(t, connection.id, at)
            assert.deepStrictEqual(
              (yield* health.get(t, connection.id)).lastWebhookAt,
              later,
              "the latest time is kept"
            )
            // At most once a minute: a time less than a minute after the stored one is not written; a later one is.
            yield* health.recordWebhook(t, connection.id, new Date("2026-01-01T10:05:59.000Z"))
            assert.deepStrictEqual((yield* health.get(t, connection.id)).lastWebhookAt, later, "throttled")
            const minuteOn = new Date("2026-01-01T10:06:01.000Z")
            yield* health.recordWebhook(t, connection.id, minuteOn)
            assert.deepStrictEqual((yield* health.get(t, connection.id)).lastWebhookAt, minuteOn, "a minute on")
            yield* health.recordWebhook(tenant(), connection.id, new Date("2026-01-01T11:00:00.000Z"))
            assert.deepStrictEqual(
              (yield* health.get(t, connection.id)).lastWebhookAt,
              minuteOn,
              "another tenant cannot write it"
            )
            assert.deepStrictEqual(
              (yield* health.lastWebhookTimes()).get(connection.id),
              minuteOn,
              "listed for the silence gauge"
            )
          })
      )

      it.effect("the current connection is the live one, even when a retired row was touched after it", () =>
        Effect.gen(function* () {
          const repo = yield* ConnectionRepository
          const t = tenant()
          const old = yield* repo.claimNumber(number(), write(t))
          const fresh = yield* repo.claimNumber(number(), write(t))
          yield* repo.update(t, old.id, { status: "revoked", accessTokenEnc: null })
          assert.strictEqual(Option.getOrThrow(yield* repo.findCurrent(t, "meta_whatsapp")).id, fresh.id)
        })
      )

      it.effect("the same tenant reconnecting updates its row", () =>
        Effect.gen(function* () {
          const repo = yield* ConnectionRepository
          const [t, n] = [tenant(), number()]
          const first = yield* repo.claimNumber(n, write(t))
          yield* repo.update(t, first.id, { status: "revoked", accessTokenEnc: null })
          const again = yield* repo.claimNumber(n, write(t, { accessTokenEnc: token("t2"), displayName: "Renamed" }))
          assert.strictEqual(again.id, first.id)
          assert.strictEqual(again.status, "active")
          assert.strictEqual(again.accessTokenEnc, token("t2"))
          assert.strictEqual(again.displayName, "Renamed")
          assert.strictEqual((yield* repo.listByTenant(t, "meta_whatsapp")).length, 1)
        })
      )

      it.effect("every (re)connect records when it started (connected_at)", () =>
        Effect.gen(function* () {
          const repo = yield* ConnectionRepository
          const [t, n] = [tenant(), number()]
          const first = new Date("2026-05-01T10:00:00.000Z")
          const second = new Date("2026-05-02T10:00:00.000Z")
          assert.deepStrictEqual((yield* repo.claimNumber(n, write(t, { connectedAt: first }))).connectedAt, first)
          assert.deepStrictEqual((yield* repo.claimNumber(n, write(t, { connectedAt: second }))).connectedAt, second)
          const taken = yield* repo.claimNumber(number(), write(t))
          assert.isNotNull(taken.connectedAt, "the time of the write when none is given")
          const unnumbered = yield* repo.upsertUnnumbered(write(tenant(), { connectedAt: first }))
          assert.deepStrictEqual(unnumbered.connectedAt, first)
          const again = yield* repo.upsertUnnumbered(write(unnumbered.tenantId, { connectedAt: second }))
          assert.deepStrictEqual(again.connectedAt, second)
          assert.deepStrictEqual(Option.getOrThrow(yield* repo.findByPhoneNumberId(n)).connectedAt, second)
        })
      )

      it.effect("a number held by another tenant is refused, in every status but revoked", () =>
        Effect.gen(function* () {
          const repo = yield* ConnectionRepository
          for (const status of ["active", "pending", "error"] as const) {
            const [a, b, n] = [tenant(), tenant(), number()]
            const held = yield* repo.claimNumber(n, write(a, { status }))
            const error = yield* repo.claimNumber(n, write(b)).pipe(Effect.flip)
            assert.strictEqual(error._tag, "NumberAlreadyConnected")
            assert.strictEqual(error.message, "This number is already connected to another workspace.")
            const still = Option.getOrThrow(yield* repo.findByPhoneNumberId(n))
            assert.strictEqual(still.id, held.id)
            assert.strictEqual(still.tenantId, a)
            assert.strictEqual(still.status, status)
          }
        })
      )

      it.effect("a revoked number of another tenant can be taken over, keeping the old tenant's row", () =>
        Effect.gen(function* () {
          const repo = yield* ConnectionRepository
          const [a, b, n] = [tenant(), tenant(), number()]
          const old = yield* repo.claimNumber(n, write(a))
          yield* repo.update(a, old.id, { status: "revoked", accessTokenEnc: null })
          const taken = yield* repo.claimNumber(n, write(b))
          assert.strictEqual(taken.tenantId, b)
          assert.notStrictEqual(taken.id, old.id)
          assert.strictEqual(Option.getOrThrow(yield* repo.findByPhoneNumberId(n)).tenantId, b)
          const kept = Option.getOrThrow(yield* repo.findById(a, old.id))
          assert.strictEqual(kept.status, "revoked")
          assert.strictEqual(kept.phoneNumberId, null)
          assert.strictEqual(kept.metadata["released_phone_number_id"], n)
        })
      )

      it.effect("two tenants connecting one number at once: one connection, one NumberAlreadyConnected", () =>
        Effect.gen(function* () {
          const repo = yield* ConnectionRepository
          for (let round = 0; round < 5; round++) {
            const n = number()
            const tenants = [tenant(), tenant()]
            const results = yield* Effect.all(
              tenants.map((t) => Effect.result(repo.claimNumber(n, write(t)))),
              { concurrency: "unbounded" }
            )
            const wins = results.filter(Result.isSuccess)
            const losses = results.filter(Result.isFailure)
            assert.strictEqual(wins.length, 1)
            assert.strictEqual(losses.length, 1)
            assert.strictEqual(losses[0]!.failure._tag, "NumberAlreadyConnected")
            const holder = Option.getOrThrow(yield* repo.findByPhoneNumberId(n))
            assert.strictEqual(holder.tenantId, wins[0]!.success.tenantId)
            const loser = tenants.find((t) => t !== holder.tenantId)!
            assert.strictEqual((yield* repo.listByTenant(loser, "meta_whatsapp")).length, 0)
          }
        })
      )

      it.effect("update merges metadata, removes null keys, erases the token, and is tenant scoped", () =>
        Effect.gen(function* () {
          const repo = yield* ConnectionRepository
          const t = tenant()
          const row = yield* repo.claimNumber(number(), write(t, { metadata: { a: 1, b: 2 } }))
          const updated = yield* repo.update(t, row.id, {
            status: "error",
            metadata: { b: null, error: { reason: "token_invalid" } }
          })
          assert.strictEqual(updated.status, "error")
          assert.deepStrictEqual(updated.metadata, { a: 1, error: { reason: "token_invalid" } })
          assert.strictEqual(updated.accessTokenEnc, row.accessTokenEnc, "an absent field is left alone")
          const expires = new Date("2030-01-01T00:00:00.000Z")
          const erased = yield* repo.update(t, row.id, { accessTokenEnc: null, tokenExpiresAt: expires })
          assert.strictEqual(erased.accessTokenEnc, null)
          assert.strictEqual(erased.tokenExpiresAt?.toISOString(), expires.toISOString())
          const other = yield* repo.update(tenant(), row.id, { status: "revoked" }).pipe(Effect.flip)
          assert.strictEqual(other._tag, "ConnectionNotFound")
          assert.strictEqual(Option.getOrThrow(yield* repo.findById(t, row.id)).status, "error")
        })
      )

      it.effect("upsertUnnumbered keeps one row per tenant and provider", () =>
        Effect.gen(function* () {
          const repo = yield* ConnectionRepository
          const t = tenant()
          const ads = write(t, { provider: "meta_ads", wabaId: null, phoneNumberE164: null, status: "pending" })
          const first = yield* repo.upsertUnnumbered(ads)
          const second = yield* repo.upsertUnnumbered({ ...ads, status: "active", metadata: { businesses: [] } })
          assert.strictEqual(second.id, first.id)
          assert.strictEqual(second.status, "active")
          assert.deepStrictEqual(second.metadata, { businesses: [] })
          assert.strictEqual((yield* repo.listByTenant(t, "meta_ads")).length, 1)
        })
      )

      it.effect("token holders and compare-and-set token replacement", () =>
        Effect.gen(function* () {
          const repo = yield* ConnectionRepository
          const t = tenant()
          const live = yield* repo.claimNumber(number(), write(t))
          const gone = yield* repo.claimNumber(number(), write(t))
          yield* repo.update(t, gone.id, { status: "revoked", accessTokenEnc: null })
          const holders = (yield* repo.listHoldingTokens()).map((row) => row.id)
          assert.include(holders, live.id)
          assert.notInclude(holders, gone.id)
          assert.isFalse(yield* repo.replaceToken(live.id, token("stale"), token("next")))
          assert.isTrue(yield* repo.replaceToken(live.id, live.accessTokenEnc!, token("next")))
          assert.strictEqual(Option.getOrThrow(yield* repo.findById(t, live.id)).accessTokenEnc, token("next"))
        })
      )

      // ---------------------------------------------------------------- oauth states
      const newState = (tenantId: TenantId, expiresAt: Date) => ({
        tenantId,
        userId: "user-1" as UserId,
        provider: "meta_whatsapp" as const,
        nonce: crypto.randomUUID(),
        expiresAt,
        metadata: { ip: "127.0.0.1", user_agent: "test" }
      })
      const inTenMinutes = () => new Date(Date.now() + 10 * 60_000)
      const keep = (keepUnused = 20) => ({ keepUnused, now: new Date() })

      it.effect("an OAuth state is consumed once; unknown, used and expired states each fail with their reason", () =>
        Effect.gen(function* () {
          const repo = yield* OAuthStateRepository
          const state = yield* repo.create(newState(tenant(), inTenMinutes()), keep())
          assert.deepStrictEqual(state.metadata, { ip: "127.0.0.1", user_agent: "test" })
          const used = yield* repo.consume("meta_whatsapp", state.nonce, new Date())
          assert.strictEqual(used.id, state.id)
          assert.isNotNull(used.usedAt)
          const again = yield* repo.consume("meta_whatsapp", state.nonce, new Date()).pipe(Effect.flip)
          assert.strictEqual(again._tag, "OAuthStateAlreadyUsed")
          const unknown = yield* repo.consume("meta_whatsapp", "no-such-nonce", new Date()).pipe(Effect.flip)
          assert.strictEqual(unknown._tag, "OAuthStateNotFound")
          const wrongProvider = yield* repo.consume("meta_ads", state.nonce, new Date()).pipe(Effect.flip)
          assert.strictEqual(wrongProvider._tag, "OAuthStateNotFound")
          const late = yield* repo.create(newState(tenant(), inTenMinutes()), keep())
          const expired = yield* repo
            .consume("meta_whatsapp", late.nonce, new Date(Date.now() + 11 * 60_000))
            .pipe(Effect.flip)
          assert.strictEqual(expired._tag, "OAuthStateExpired")
        })
      )

      it.effect("a state can be read without spending it, used or not; an unknown one is none", () =>
        Effect.gen(function* () {
          const repo = yield* OAuthStateRepository
          const state = yield* repo.create(newState(tenant(), inTenMinutes()), keep())
          const fresh = Option.getOrThrow(yield* repo.find("meta_whatsapp", state.nonce))
          assert.strictEqual(fresh.id, state.id)
          assert.isNull(fresh.usedAt)
          yield* repo.consume("meta_whatsapp", state.nonce, new Date())
          assert.isNotNull(Option.getOrThrow(yield* repo.find("meta_whatsapp", state.nonce)).usedAt)
          assert.isTrue(Option.isNone(yield* repo.find("meta_ads", state.nonce)))
          assert.isTrue(Option.isNone(yield* repo.find("meta_whatsapp", "no-such-nonce")))
        })
      )

      it.effect("of concurrent consumptions of one state exactly one succeeds", () =>
        Effect.gen(function* () {
          const repo = yield* OAuthStateRepository
          const state = yield* repo.create(newState(tenant(), inTenMinutes()), keep())
          const results = yield* Effect.all(
            Array.from({ length: 8 }, () => Effect.result(repo.consume("meta_whatsapp", state.nonce, new Date()))),
            { concurrency: "unbounded" }
          )
          assert.strictEqual(results.filter(Result.isSuccess).length, 1)
          for (const failure of results.filter(Result.isFailure)) {
            assert.strictEqual(failure.failure._tag, "OAuthStateAlreadyUsed")
          }
        })
      )

      it.effect("expired states are deleted", () =>
        Effect.gen(function* () {
          const repo = yield* OAuthStateRepository
          const old = yield* repo.create(newState(tenant(), new Date(Date.now() - 60_000)), keep())
          const removed = yield* repo.deleteExpired(new Date())
          assert.isAtLeast(removed, 1)
          const gone = yield* repo.consume("meta_whatsapp", old.nonce, new Date()).pipe(Effect.flip)
          assert.strictEqual(gone._tag, "OAuthStateNotFound")
        })
      )

      it.effect("a tenant keeps at most its newest unused states per provider; starting more removes the oldest", () =>
        Effect.gen(function* () {
          const repo = yield* OAuthStateRepository
          const t = tenant()
          const used = yield* repo.create(newState(t, inTenMinutes()), keep(3))
          yield* repo.consume("meta_whatsapp", used.nonce, new Date())
          const expired = yield* repo.create(newState(t, new Date(Date.now() - 60_000)), keep(3))
          const ads = yield* repo.create({ ...newState(t, inTenMinutes()), provider: "meta_ads" }, keep(3))
          const elsewhere = yield* repo.create(newState(tenant(), inTenMinutes()), keep(3))
          const created = []
          for (let index = 0; index < 5; index++) {
            created.push(yield* repo.create(newState(t, inTenMinutes()), keep(3)))
            // Creation order is what "oldest" means: keep the rows' times apart on every backend.
            yield* Effect.sleep("2 millis")
          }
          const outcome = (provider: "meta_whatsapp" | "meta_ads", nonce: string) =>
            repo
              .consume(provider, nonce, new Date())
              .pipe(Effect.match({ onFailure: (error) => error._tag, onSuccess: () => "consumed" }))
          assert.deepStrictEqual(yield* Effect.forEach(created, (state) => outcome("meta_whatsapp", state.nonce)), [
            "OAuthStateNotFound",
            "OAuthStateNotFound",
            "consumed",
            "consumed",
            "consumed"
          ])
          // Used and expired states, other providers and other tenants are not counted nor removed.
          assert.strictEqual(yield* outcome("meta_whatsapp", used.nonce), "OAuthStateAlreadyUsed")
          assert.strictEqual(yield* outcome("meta_whatsapp", expired.nonce), "OAuthStateExpired")
          assert.strictEqual(yield* outcome("meta_ads", ads.nonce), "consumed")
          assert.strictEqual(yield* outcome("meta_whatsapp", elsewhere.nonce), "consumed")
        })
      )

      // ---------------------------------------------------------------- conversations and messages
      const connection = (t: TenantId) =>
        Effect.flatMap(ConnectionRepository, (repo) => repo.claimNumber(number(), write(t)))

      it.effect("a conversation is upserted by contact, keeps the name and only moves last_message_at forward", () =>
        Effect.gen(function* () {
          const conversations = yield* ConversationRepository
          const t = tenant()
          const c = yield* connection(t)
          const key = { tenantId: t, connectionId: c.id, phoneNumberId: c.phoneNumberId!, waId: "15550001111" }
          const at = new Date("2026-01-01T10:00:00.000Z")
          const first = yield* conversations.upsert({ ...key, contactName: "Ana", lastMessageAt: at })
          const second = yield* conversations.upsert({ ...key, contactName: null, lastMessageAt: new Date(0) })
          assert.strictEqual(second.id, first.id)
          assert.strictEqual(second.contactName, "Ana")
          assert.strictEqual(second.lastMessageAt?.toISOString(), at.toISOString())
          const renamed = yield* conversations.upsert({ ...key, contactName: "Ana B", lastMessageAt: null })
          assert.strictEqual(renamed.contactName, "Ana B")
          assert.isTrue(Option.isNone(yield* conversations.findById(tenant(), first.id)))
        })
      )

      it.effect("last_inbound_at moves forward only; a contact is found by any of its keys, on its number only", () =>
        Effect.gen(function* () {
          const conversations = yield* ConversationRepository
          const t = tenant()
          const c = yield* connection(t)
          const key = { tenantId: t, connectionId: c.id, phoneNumberId: c.phoneNumberId!, waId: "551112345678" }
          const at = new Date("2026-01-01T10:00:00.000Z")
          const fresh = yield* conversations.upsert({ ...key, contactName: null, lastMessageAt: at })
          assert.isNull(fresh.lastInboundAt)
          yield* conversations.upsert({ ...key, contactName: null, lastMessageAt: at, lastInboundAt: at })
          const older = yield* conversations.upsert({
            ...key,
            contactName: null,
            lastMessageAt: at,
            lastInboundAt: new Date(0)
          })
          assert.strictEqual(older.lastInboundAt?.toISOString(), at.toISOString())
          // An outbound upsert (no inbound time) keeps it.
          const sent = yield* conversations.upsert({ ...key, contactName: null, lastMessageAt: new Date() })
          assert.strictEqual(sent.lastInboundAt?.toISOString(), at.toISOString())
          const found = yield* conversations.findByContacts(t, c.phoneNumberId!, ["5511912345678", "551112345678"])
          assert.deepStrictEqual(
            found.map((x) => x.id),
            [fresh.id]
          )
          assert.deepStrictEqual(yield* conversations.findByContacts(tenant(), c.phoneNumberId!, ["551112345678"]), [])
          assert.deepStrictEqual(yield* conversations.findByContacts(t, c.phoneNumberId!, []), [])
        })
      )

      it.effect("conversations page newest first, per tenant", () =>
        Effect.gen(function* () {
          const conversations = yield* ConversationRepository
          const t = tenant()
          const c = yield* connection(t)
          for (let i = 0; i < 5; i++) {
            yield* conversations.upsert({
              tenantId: t,
              connectionId: c.id,
              phoneNumberId: c.phoneNumberId!,
              waId: `1555000000${i}`,
              contactName: `Contact ${i}`,
              lastMessageAt: new Date(Date.UTC(2026, 0, 1, 0, i))
            })
          }
          const first = yield* conversations.list(t, { first: 2 })
          assert.deepStrictEqual(
            first.items.map((edge) => edge.node.waId),
            ["15550000004", "15550000003"]
          )
          assert.isTrue(first.hasNextPage)
          const rest = yield* conversations.list(t, { first: 10, after: first.endCursor! })
          assert.deepStrictEqual(
            rest.items.map((edge) => edge.node.waId),
            ["15550000002", "15550000001", "15550000000"]
          )
          assert.isFalse(rest.hasNextPage)
          assert.strictEqual((yield* conversations.list(tenant(), { first: 10 })).items.length, 0)
        })
      )

      const conversation = (t: TenantId) => activeConversation(t, "15550002222")

      const outbound = (t: TenantId, conversationId: ConversationId, id: ProviderMessageId | null) => ({
        tenantId: t,
        conversationId,
        providerMessageId: id,
        direction: "outbound" as const,
        type: "text",
        body: { text: { body: "hello" } },
        status: "pending" as const,
        sentAt: new Date()
      })

      const status = (t: TenantId, id: ProviderMessageId, s: DeliveryStatus, second: number) => ({
        tenantId: t,
        providerMessageId: id,
        status: s,
        occurredAt: new Date(Date.UTC(2026, 0, 1, 0, 0, second)),
        payload: { id, status: s, ...(s === "failed" ? { errors: [{ code: 131047 }] } : {}) },
        error: s === "failed" ? [{ code: 131047 }] : null
      })

      it.effect("a repeated provider_message_id is stored once", () =>
        Effect.gen(function* () {
          const messages = yield* MessageRepository
          const t = tenant()
          const conv = yield* conversation(t)
          const id = wamid()
          const inbound = { ...outbound(t, conv.id, id), direction: "inbound" as const, status: "received" as const }
          const results = yield* Effect.all(
            [messages.insert(inbound), messages.insert(inbound), messages.insert(inbound)],
            { concurrency: "unbounded" }
          )
          assert.strictEqual(results.filter((r) => r.inserted).length, 1)
          assert.strictEqual(new Set(results.map((r) => r.message.id)).size, 1)
          const page = yield* messages.listByConversation(t, conv.id, { first: 10 })
          assert.strictEqual(page.items.length, 1)
          assert.deepStrictEqual(page.items[0]!.node.body, { text: { body: "hello" } })
        })
      )

      it.effect("a send re-keyed by Meta's wa_id moves into that conversation; the emptied one is removed", () =>
        Effect.gen(function* () {
          const conversations = yield* ConversationRepository
          const messages = yield* MessageRepository
          const t = tenant()
          const c = yield* connection(t)
          const key = { tenantId: t, connectionId: c.id, phoneNumberId: c.phoneNumberId!, contactName: null }
          const typed = yield* conversations.upsert({ ...key, waId: "5511912345678", lastMessageAt: new Date() })
          const keyed = yield* conversations.upsert({ ...key, waId: "551112345678", lastMessageAt: new Date() })
          const pending = yield* messages.insert(outbound(t, typed.id, null))
          const kept = yield* messages.insert(outbound(t, typed.id, null))
          assert.isFalse(yield* conversations.removeIfEmpty(t, typed.id), "a conversation with messages stays")
          const id = wamid()
          const sent = yield* messages.recordSendResult(t, pending.message.id, {
            _tag: "Sent",
            providerMessageId: id,
            conversationId: keyed.id
          })
          assert.strictEqual(sent.conversationId, keyed.id)
          assert.strictEqual(sent.status, "sent")
          assert.isFalse(yield* conversations.removeIfEmpty(t, typed.id))
          const other = yield* messages.recordSendResult(t, kept.message.id, {
            _tag: "Sent",
            providerMessageId: wamid(),
            conversationId: keyed.id
          })
          assert.strictEqual(other.conversationId, keyed.id)
          assert.isFalse(yield* conversations.removeIfEmpty(tenant(), typed.id), "another tenant cannot remove it")
          assert.isTrue(yield* conversations.removeIfEmpty(t, typed.id))
          assert.isTrue(Option.isNone(yield* conversations.findById(t, typed.id)))
          const thread = yield* messages.listByConversation(t, keyed.id, { first: 10 })
          assert.strictEqual(thread.items.length, 2)
          // Without a conversationId the message stays where it is.
          const stays = yield* messages.insert(outbound(t, keyed.id, null))
          const recorded = yield* messages.recordSendResult(t, stays.message.id, {
            _tag: "Sent",
            providerMessageId: wamid()
          })
          assert.strictEqual(recorded.conversationId, keyed.id)
        })
      )

      it.effect("a repeated idempotency key returns the first message, per tenant", () =>
        Effect.gen(function* () {
          const messages = yield* MessageRepository
          const t = tenant()
          const conv = yield* conversation(t)
          const key = `send-${crypto.randomUUID()}`
          const [first, second] = yield* Effect.all(
            [
              messages.insert({ ...outbound(t, conv.id, null), idempotencyKey: key }),
              messages.insert({ ...outbound(t, conv.id, null), idempotencyKey: key })
            ],
            { concurrency: "unbounded" }
          )
          assert.strictEqual([first, second].filter((r) => r.inserted).length, 1)
          assert.strictEqual(first.message.id, second.message.id)
          const other = tenant()
          const otherConv = yield* conversation(other)
          const elsewhere = yield* messages.insert({ ...outbound(other, otherConv.id, null), idempotencyKey: key })
          assert.isTrue(elsewhere.inserted, "keys are per tenant")
        })
      )

      it.effect("statuses only move forward, each is recorded once, and failed is final", () =>
        Effect.gen(function* () {
          const messages = yield* MessageRepository
          const t = tenant()
          const conv = yield* conversation(t)
          const id = wamid()
          yield* messages.insert({ ...outbound(t, conv.id, id), status: "sent" })
          assert.deepStrictEqual(yield* messages.applyStatus(status(t, id, "read", 3)), {
            recorded: true,
            applied: true
          })
          assert.deepStrictEqual(yield* messages.applyStatus(status(t, id, "delivered", 2)), {
            recorded: true,
            applied: false
          })
          assert.deepStrictEqual(yield* messages.applyStatus(status(t, id, "read", 3)), {
            recorded: false,
            applied: false
          })
          assert.strictEqual(Option.getOrThrow(yield* messages.findByProviderId(id)).status, "read")
          yield* messages.applyStatus(status(t, id, "failed", 4))
          yield* messages.applyStatus(status(t, id, "played", 5))
          const final = Option.getOrThrow(yield* messages.findByProviderId(id))
          assert.strictEqual(final.status, "failed")
          assert.deepStrictEqual(final.error, [{ code: 131047 }])
          // Another tenant's status for this message id changes nothing here.
          const other = tenant()
          yield* connection(other)
          const foreign = yield* messages.applyStatus(status(other, wamid(), "read", 1))
          assert.strictEqual(foreign.applied, false)
        })
      )

      it.effect("a status that arrives before its message is applied when the message appears", () =>
        Effect.gen(function* () {
          const messages = yield* MessageRepository
          const t = tenant()
          const conv = yield* conversation(t)
          const id = wamid()
          assert.deepStrictEqual(yield* messages.applyStatus(status(t, id, "delivered", 2)), {
            recorded: true,
            applied: false
          })
          const { message } = yield* messages.insert({ ...outbound(t, conv.id, id), status: "sent" })
          assert.strictEqual(message.status, "delivered")
          // The same after a send whose wamid is learned only when Meta answers.
          const later = wamid()
          yield* messages.applyStatus(status(t, later, "read", 3))
          const pending = yield* messages.insert(outbound(t, conv.id, null))
          assert.strictEqual(pending.message.status, "pending")
          const sent = yield* messages.recordSendResult(t, pending.message.id, {
            _tag: "Sent",
            providerMessageId: later
          })
          assert.strictEqual(sent.status, "read")
          assert.strictEqual(sent.providerMessageId, later)
          const failed = yield* messages.insert(outbound(t, conv.id, null))
          const result = yield* messages.recordSendResult(t, failed.message.id, {
            _tag: "Failed",
            error: { code: 131026, message: "Message undeliverable" }
          })
          assert.strictEqual(result.status, "failed")
          assert.deepStrictEqual(result.error, { code: 131026, message: "Message undeliverable" })
        })
      )

      it.effect("every order of the same statuses ends in the same state", () =>
        Effect.gen(function* () {
          const messages = yield* MessageRepository
          const t = tenant()
          const conv = yield* conversation(t)
          const orders: ReadonlyArray<ReadonlyArray<DeliveryStatus>> = [
            ["sent", "delivered", "read"],
            ["read", "sent", "delivered"],
            ["delivered", "read", "sent"],
            ["read", "delivered", "sent"]
          ]
          for (const order of orders) {
            const id = wamid()
            yield* messages.insert({ ...outbound(t, conv.id, id), status: "pending" })
            for (const [i, s] of order.entries()) yield* messages.applyStatus(status(t, id, s, i))
            assert.strictEqual(Option.getOrThrow(yield* messages.findByProviderId(id)).status, "read", order.join(","))
          }
        })
      )

      // ---------------------------------------------------------------- inbound batches (the webhook worker)
      const inboundWrite = (
        t: TenantId,
        key: string,
        id: ProviderMessageId,
        second: number,
        announced: Array<string>
      ): InboundMessageWrite => ({
        conversation: key,
        tenantId: t,
        providerMessageId: id,
        type: "text",
        body: { text: { body: `hello ${second}` } },
        sentAt: new Date(Date.UTC(2026, 0, 1, 0, 0, second)),
        media: null,
        announce: (stored) => {
          announced.push(stored.providerMessageId!)
          return []
        }
      })
      const emptyBatch = { conversations: [], messages: [], statuses: [], webhooksHeard: [], processed: [] }

      it.effect("a batch stores each message exactly once, in its conversation, in order, times moving forward", () =>
        Effect.gen(function* () {
          const store = yield* InboundBatchStore
          const messages = yield* MessageRepository
          const conversations = yield* ConversationRepository
          const t = tenant()
          const c = yield* connection(t)
          const upsert = (contactName: string | null, second: number) => ({
            tenantId: t,
            connectionId: c.id,
            phoneNumberId: c.phoneNumberId!,
            waId: "15550002222",
            contactName,
            lastMessageAt: new Date(Date.UTC(2026, 0, 1, 0, 0, second)),
            lastInboundAt: new Date(Date.UTC(2026, 0, 1, 0, 0, second))
          })
          const key = conversationKey(upsert(null, 0))
          const [a, b] = [wamid(), wamid()]
          const announced: Array<string> = []
          const first = yield* store.write({
            ...emptyBatch,
            conversations: [upsert("Bea", 2)],
            // `a` twice in one batch (a redelivery claimed with the original), then `b`.
            messages: [inboundWrite(t, key, a, 1, announced), inboundWrite(t, key, a, 1, announced)].concat(
              inboundWrite(t, key, b, 2, announced)
            ),
            webhooksHeard: [{ tenantId: t, connectionId: c.id }],
            at: new Date()
          })
          assert.deepStrictEqual(
            first.messages.map((m) => m.inserted),
            [true, false, true]
          )
          assert.strictEqual(first.messages[0]!.message.id, first.messages[1]!.message.id)
          // A later batch with `a` again (Meta redelivered it) stores nothing and announces nothing.
          const again = yield* store.write({
            ...emptyBatch,
            conversations: [upsert(null, 1)],
            messages: [inboundWrite(t, key, a, 1, announced)],
            at: new Date()
          })
          assert.deepStrictEqual(
            again.messages.map((m) => [m.inserted, m.message.id]),
            [[false, first.messages[0]!.message.id]]
          )
          assert.deepStrictEqual(announced, [a, b], "announced once per message, first store only")
          const conversationId = first.messages[0]!.message.conversationId
          const page = yield* messages.listByConversation(t, conversationId, { first: 10 })
          assert.deepStrictEqual(
            page.items.map((i) => i.node.providerMessageId),
            [a, b]
          )
          const stored = Option.getOrThrow(yield* conversations.findById(t, conversationId))
          assert.strictEqual(stored.contactName, "Bea", "a null name keeps the stored one")
          assert.strictEqual(stored.lastMessageAt?.toISOString(), "2026-01-01T00:00:02.000Z", "never moves back")
          assert.strictEqual(stored.lastInboundAt?.toISOString(), "2026-01-01T00:00:02.000Z")
          const health = yield* ConnectionHealthRepository
          assert.isNotNull((yield* health.get(t, c.id)).lastWebhookAt)
        })
      )

      it.effect("a batch's statuses: each recorded once, the message only moves forward, failed is final", () =>
        Effect.gen(function* () {
          const store = yield* InboundBatchStore
          const messages = yield* MessageRepository
          const t = tenant()
          const conv = yield* conversation(t)
          const id = wamid()
          yield* messages.insert({ ...outbound(t, conv.id, id), status: "sent" })
          const statuses = (...list: ReadonlyArray<[DeliveryStatus, number]>) =>
            store.write({
              ...emptyBatch,
              statuses: list.map(([s, second]) => ({ event: status(t, id, s, second), announce: [] })),
              at: new Date()
            })
          // `read` before `delivered` in one batch, and `read` twice: read wins, recorded once each.
          const first = yield* statuses(["read", 3], ["delivered", 2], ["read", 3])
          assert.deepStrictEqual(
            first.statuses.map((s) => s.recorded),
            [true, true, false]
          )
          assert.strictEqual(Option.getOrThrow(yield* messages.findByProviderId(id)).status, "read")
          // A later `delivered` never takes it back.
          const late = yield* statuses(["delivered", 2])
          assert.deepStrictEqual(late.statuses, [{ recorded: false }])
          assert.strictEqual(Option.getOrThrow(yield* messages.findByProviderId(id)).status, "read")
          yield* statuses(["failed", 4], ["played", 5])
          const final = Option.getOrThrow(yield* messages.findByProviderId(id))
          assert.strictEqual(final.status, "failed")
          assert.deepStrictEqual(final.error, [{ code: 131047 }])
          // A status before its message is kept and applied when the message is stored.
          const early = wamid()
          const before = yield* store.write({
            ...emptyBatch,
            statuses: [{ event: status(t, early, "delivered", 2), announce: [] }],
            at: new Date()
          })
          assert.deepStrictEqual(before.statuses, [{ recorded: true }])
          const { message } = yield* messages.insert({ ...outbound(t, conv.id, early), status: "sent" })
          assert.strictEqual(message.status, "delivered")
        })
      )

      // ---------------------------------------------------------------- webhook inbox
      const farFuture = new Date("2100-01-01T00:00:00.000Z")
      const drain = Effect.gen(function* () {
        const inbox = yield* WebhookInbox
        for (;;) {
          const claimed = yield* inbox.claim(500, 60, farFuture)
          if (claimed.length === 0) return
          for (const event of claimed) yield* inbox.markProcessed(event.id, farFuture)
        }
      })
      /** A delivery as intake hands it over: the bytes as sent and the same JSON parsed. */
      const delivery = (i: number, raw: string, receivedAt = new Date(), provider = "meta_whatsapp") => ({
        provider,
        bodySha256: `sha-${i}`,
        raw: new TextEncoder().encode(raw),
        payload: JSON.parse(raw) as unknown,
        receivedAt
      })
      const incoming = (i: number, receivedAt = new Date()) =>
        delivery(
          i,
          JSON.stringify({ object: "whatsapp_business_account", entry: [{ id: String(i), changes: [] }] }),
          receivedAt
        )
      /** Accepts concurrent deliveries (group-committed by the inbox) that must all be stored. */
      const acceptAll = (events: ReadonlyArray<ReturnType<typeof incoming>>) =>
        Effect.flatMap(WebhookInbox, (inbox) =>
          Effect.forEach(events, (event) => Effect.exit(inbox.accept(event)), { concurrency: "unbounded" })
        ).pipe(Effect.map((exits) => exits.map((exit) => Option.getOrThrow(Exit.getSuccess(exit)))))

      it.effect("accepted events are claimed once per lease, and again after a crash", () =>
        Effect.gen(function* () {
          yield* drain
          const inbox = yield* WebhookInbox
          const now = new Date()
          const ids = yield* acceptAll([incoming(1, now), incoming(2, now), incoming(3, now)])
          assert.strictEqual(ids.length, 3)
          const claimed = yield* inbox.claim(10, 30, now)
          assert.sameMembers(
            claimed.map((event) => event.id),
            [...ids]
          )
          assert.deepStrictEqual(
            claimed.map((event) => event.attempts),
            [1, 1, 1]
          )
          assert.deepStrictEqual(claimed.find((event) => event.id === ids[0])!.payload, incoming(1).payload)
          assert.strictEqual((yield* inbox.claim(10, 30, now)).length, 0, "leased events are not claimed twice")
          yield* inbox.markProcessed(ids[0]!, now)
          // The worker holding the others died: once the lease runs out they are claimable again, exactly once.
          const afterLease = new Date(now.getTime() + 31_000)
          const reclaimed = yield* inbox.claim(10, 30, afterLease)
          assert.sameMembers(
            reclaimed.map((event) => event.id),
            [ids[1]!, ids[2]!]
          )
          assert.deepStrictEqual(
            reclaimed.map((event) => event.attempts),
            [2, 2]
          )
          assert.strictEqual((yield* inbox.claim(10, 30, afterLease)).length, 0)
        })
      )

      it.effect("concurrent claims never hand out the same event", () =>
        Effect.gen(function* () {
          yield* drain
          const inbox = yield* WebhookInbox
          const now = new Date()
          const ids = yield* acceptAll(Array.from({ length: 40 }, (_, i) => incoming(i, now)))
          const claims = yield* Effect.all(
            Array.from({ length: 4 }, () => inbox.claim(15, 60, now)),
            { concurrency: "unbounded" }
          )
          const claimed = claims.flat().map((event) => event.id)
          assert.strictEqual(new Set(claimed).size, claimed.length, "no event claimed twice")
          assert.strictEqual(claimed.length, 40)
          assert.sameMembers(claimed, [...ids])
        })
      )

      it.effect("failures retry at their time, then park as failed; unrouted events can be requeued", () =>
        Effect.gen(function* () {
          yield* drain
          const inbox = yield* WebhookInbox
          const now = new Date()
          const [retried, parked, unrouted] = yield* acceptAll([incoming(1, now), incoming(2, now), incoming(3, now)])
          yield* inbox.claim(10, 60, now)
          yield* inbox.markFailed(retried!, "boom", new Date(now.getTime() + 5_000))
          yield* inbox.markFailed(parked!, "gave up", null)
          yield* inbox.markUnrouted(unrouted!, "unknown phone_number_id 123", now, {
            phoneNumberIds: ["123"],
            wabaIds: []
          })
          assert.strictEqual((yield* inbox.claim(10, 60, new Date(now.getTime() + 1_000))).length, 0)
          const due = yield* inbox.claim(10, 60, new Date(now.getTime() + 6_000))
          assert.deepStrictEqual(
            due.map((event) => [event.id, event.attempts, event.lastError]),
            [[retried!, 2, "boom"]]
          )
          const stats = yield* inbox.stats(new Date(now.getTime() + 6_000))
          assert.isAtLeast(stats.failed, 1)
          assert.isAtLeast(stats.unrouted, 1)
          assert.strictEqual(yield* inbox.requeueUnrouted({ phoneNumberId: "123", wabaId: "none", since: now }), 1)
          const requeued = yield* inbox.claim(10, 60, new Date(now.getTime() + 7_000))
          assert.include(
            requeued.map((event) => event.id),
            unrouted!
          )
        })
      )

      it.effect("a connect requeues only its number's and WABA's unrouted events received since it started", () =>
        Effect.gen(function* () {
          yield* drain
          const inbox = yield* WebhookInbox
          const [n, w, other] = [number(), randomMetaId(), number()]
          const start = new Date("2026-06-01T12:00:00.000Z")
          const before = new Date(start.getTime() - 1_000)
          const after = new Date(start.getTime() + 1_000)
          const ids = yield* acceptAll([
            incoming(11, before),
            incoming(12, after),
            incoming(13, after),
            incoming(14, after),
            incoming(15, start)
          ])
          yield* inbox.claim(10, 60, after)
          const keys = [
            { phoneNumberIds: [n], wabaIds: [] },
            { phoneNumberIds: [n], wabaIds: [] },
            { phoneNumberIds: [], wabaIds: [w] },
            { phoneNumberIds: [other], wabaIds: [] },
            { phoneNumberIds: [other, n], wabaIds: [] }
          ]
          for (const [i, id] of ids.entries()) yield* inbox.markUnrouted(id, "no connection", after, keys[i]!)
          assert.strictEqual(yield* inbox.requeueUnrouted({ phoneNumberId: n, wabaId: w, since: start }), 3)
          const requeued = yield* inbox.claim(10, 60, farFuture)
          assert.sameMembers(
            requeued.map((event) => event.id),
            [ids[1]!, ids[2]!, ids[4]!]
          )
          assert.strictEqual(yield* inbox.requeueUnrouted({ phoneNumberId: n, wabaId: w, since: before }), 1)
          for (const event of yield* inbox.claim(10, 60, farFuture)) yield* inbox.markProcessed(event.id, farFuture)
        })
      )

      it.effect("retention deletes only unrouted events received before the cut-off", () =>
        Effect.gen(function* () {
          yield* drain
          const inbox = yield* WebhookInbox
          const cut = new Date("2026-06-08T00:00:00.000Z")
          const old = new Date(cut.getTime() - 60_000)
          const recent = new Date(cut.getTime() + 60_000)
          const [oldUnrouted, recentUnrouted, oldProcessed] = yield* acceptAll([
            incoming(21, old),
            incoming(22, recent),
            incoming(23, old)
          ])
          yield* inbox.claim(10, 60, recent)
          const keys = { phoneNumberIds: [number() as string], wabaIds: [] }
          yield* inbox.markUnrouted(oldUnrouted!, "no connection", recent, keys)
          yield* inbox.markUnrouted(recentUnrouted!, "no connection", recent, keys)
          yield* inbox.markProcessed(oldProcessed!, recent)
          assert.isAtLeast(yield* inbox.purgeUnrouted(cut), 1)
          // Only the recent one is left to requeue; the processed one is untouched.
          const p = yield* Effect.succeed(keys.phoneNumberIds[0]!)
          assert.strictEqual(yield* inbox.requeueUnrouted({ phoneNumberId: p, wabaId: "-", since: old }), 1)
          assert.include(
            (yield* inbox.claim(10, 60, farFuture)).map((e) => e.id),
            recentUnrouted!
          )
          yield* drain
        })
      )

      it.effect(
        "processed retention deletes only processed events processed before the cut-off, a batch at a time",
        () =>
          Effect.gen(function* () {
            yield* drain
            const inbox = yield* WebhookInbox
            const cut = new Date("2026-06-08T00:00:00.000Z")
            const old = new Date(cut.getTime() - 60_000)
            const recent = new Date(cut.getTime() + 60_000)
            const ids = yield* acceptAll([31, 32, 33, 34, 35, 36].map((i) => incoming(i, old)))
            yield* inbox.claim(10, 60, old)
            const [a, b, c, late, unrouted, failed] = ids
            for (const id of [a!, b!, c!]) yield* inbox.markProcessed(id, old)
            yield* inbox.markProcessed(late!, recent)
            yield* inbox.markUnrouted(unrouted!, "no connection", old, {
              phoneNumberIds: [number() as string],
              wabaIds: []
            })
            yield* inbox.markFailed(failed!, "boom", null)
            assert.strictEqual(yield* inbox.purgeProcessed(cut, 2), 2, "at most one batch")
            assert.strictEqual(yield* inbox.purgeProcessed(cut, 2), 1)
            assert.strictEqual(yield* inbox.purgeProcessed(cut, 2), 0)
            // The one processed after the cut, the unrouted and the failed ones stay.
            const stats = yield* inbox.stats(recent)
            assert.isAtLeast(stats.unrouted, 1)
            assert.include(
              (yield* inbox.listFailed(100)).map((event) => event.id),
              failed!
            )
            // Another test of this suite may have left one processed at `recent` too.
            assert.isAtLeast(yield* inbox.purgeProcessed(new Date(recent.getTime() + 1), 10), 1)
            assert.isAtLeast(yield* inbox.purgeUnrouted(recent), 1)
            yield* inbox.requeueFailed([failed!])
            for (const event of yield* inbox.claim(10, 60, recent)) yield* inbox.markProcessed(event.id, recent)
          })
      )

      it.effect("a body with \\u0000 or an unpaired surrogate is stored and claimed exactly as Meta sent it", () =>
        Effect.gen(function* () {
          yield* drain
          const inbox = yield* WebhookInbox
          const now = new Date()
          // Meta's escaped serialisation: JSON text legal everywhere but in PostgreSQL's jsonb.
          const texts = ["nul \u0000 inside", "high \ud800 alone", "low \udc00 alone", "pair \ud83d\udc4b kept"]
          const bodies = texts.map((text) =>
            JSON.stringify({ object: "whatsapp_business_account", entry: [{ id: "1", changes: [], text }] })
          )
          assert.include(bodies[0]!, "\\u0000")
          const ids = yield* acceptAll(bodies.map((body, i) => delivery(i, body, now)))
          assert.strictEqual(ids.length, 4)
          const claimed = yield* inbox.claim(10, 60, now)
          assert.sameMembers(
            claimed.map((event) => event.id),
            [...ids]
          )
          for (const [i, id] of ids.entries()) {
            const event = claimed.find((candidate) => candidate.id === id)!
            assert.strictEqual((event.payload as { entry: Array<{ text: string }> }).entry[0]!.text, texts[i])
          }
        })
      )

      it.effect("a malformed cursor never reaches SQL: the page starts from the beginning", () =>
        Effect.gen(function* () {
          const conversations = yield* ConversationRepository
          const messages = yield* MessageRepository
          const audit = yield* AuditLog
          const t = tenant()
          const base64 = (text: string) => Buffer.from(text, "utf8").toString("base64url")
          for (const after of [
            "garbage",
            "__proto__",
            base64(`99999999999999999999:${"-".repeat(36)}`),
            base64(`1:${"-".repeat(36)}`),
            base64("8640000000000001:00000000-0000-4000-8000-000000000001")
          ]) {
            assert.strictEqual((yield* conversations.list(t, { first: 5, after })).items.length, 0, after)
            const page = yield* messages.listByConversation(t, crypto.randomUUID() as ConversationId, {
              first: 5,
              after
            })
            assert.strictEqual(page.items.length, 0, after)
            assert.strictEqual((yield* audit.list(t, { first: 5, after })).items.length, 0, after)
          }
        })
      )

      it.effect("one delivery the store refuses fails alone: the other 39 of its batch are stored", () =>
        Effect.gen(function* () {
          yield* drain
          const inbox = yield* WebhookInbox
          const now = new Date()
          const batch = Array.from({ length: 40 }, (_, i) =>
            // A NUL in a plain text column: PostgreSQL's text cannot hold it, whatever the body.
            i === 17
              ? delivery(i, JSON.stringify({ object: "x", entry: [] }), now, "meta\u0000whatsapp")
              : incoming(i, now)
          )
          const exits = yield* Effect.forEach(batch, (event) => Effect.exit(inbox.accept(event)), {
            concurrency: "unbounded"
          })
          assert.strictEqual(exits.length, 40)
          assert.isTrue(Exit.isFailure(exits[17]!))
          const stored = exits.filter(Exit.isSuccess).map((exit) => exit.value)
          assert.strictEqual(stored.length, 39)
          const claimed = yield* inbox.claim(100, 60, now)
          assert.sameMembers(
            claimed.map((event) => event.id),
            stored
          )
        })
      )

      it.effect("failed events are listed for an operator and can be requeued, all or by id", () =>
        Effect.gen(function* () {
          yield* drain
          const inbox = yield* WebhookInbox
          const now = new Date()
          const [a, b, c] = yield* acceptAll([incoming(1, now), incoming(2, now), incoming(3, now)])
          yield* inbox.claim(10, 60, now)
          yield* inbox.markFailed(a!, "first error", null)
          yield* inbox.markFailed(b!, "second error", null)
          yield* inbox.markProcessed(c!, now)
          const failed = (yield* inbox.listFailed(1000)).filter((event) => event.id === a || event.id === b)
          assert.deepStrictEqual(
            failed.map((event) => [event.id, event.attempts, event.lastError]).sort(),
            [
              [a!, 1, "first error"],
              [b!, 1, "second error"]
            ].sort()
          )
          assert.strictEqual(yield* inbox.requeueFailed([a!, c!]), 1, "only failed events are requeued")
          const due = yield* inbox.claim(10, 60, now)
          assert.deepStrictEqual(
            due.map((event) => [event.id, event.state, event.attempts]),
            [[a!, "pending", 1]]
          )
          assert.isAtLeast(yield* inbox.requeueFailed(), 1)
          assert.include(
            (yield* inbox.claim(10, 60, now)).map((event) => event.id),
            b!
          )
          assert.isFalse((yield* inbox.listFailed(1000)).some((event) => event.id === a || event.id === b))
        })
      )

      // ---------------------------------------------------------------- audit
      it.effect("audit entries are listed newest first per tenant", () =>
        Effect.gen(function* () {
          const audit = yield* AuditLog
          const t = tenant()
          for (const action of ["connect", "disconnect", "connect"]) {
            yield* audit.record({
              tenantId: t,
              userId: "user-1",
              action,
              resourceType: "channel_connection",
              resourceId: "c1" as ConnectionId,
              details: { provider: "meta_whatsapp" },
              ip: "127.0.0.1"
            })
            yield* Effect.sleep("2 millis")
          }
          const page = yield* audit.list(t, { first: 2 })
          assert.deepStrictEqual(
            page.items.map((edge) => edge.node.action),
            ["connect", "disconnect"]
          )
          assert.isTrue(page.hasNextPage)
          const rest = yield* audit.list(t, { first: 2, after: page.endCursor! })
          assert.deepStrictEqual(
            rest.items.map((edge) => edge.node.action),
            ["connect"]
          )
          assert.strictEqual((yield* audit.list(tenant(), { first: 5 })).items.length, 0)
        })
      )
    }
  )
}
