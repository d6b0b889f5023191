import { createHash } from "node:crypto"
import { Effect, Option } from "effect"
import { SqlClient } from "effect/sql"
import { TestClock } from "effect/testing"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { replayFailed } from "../scripts/webhook-replay.ts"
import { restrictionWarning } from "../src/application/connect/WhatsAppConnections.ts"
import { ConversationRepository } from "../src/application/messaging/ports/ConversationRepository.ts"
import { MessageRepository } from "../src/application/messaging/ports/MessageRepository.ts"
import { ConnectionRepository } from "../src/application/ports/ConnectionRepository.ts"
import { WebhookInbox } from "../src/application/webhooks/ports/WebhookInbox.ts"
import type { IntakeHealth } from "../src/application/webhooks/WebhookIntake.ts"
import { WebhookProcessor } from "../src/application/webhooks/WebhookProcessor.ts"
import type { ChannelConnection } from "../src/domain/ChannelConnection.ts"
import type { PhoneNumberId, ProviderMessageId, TenantId, WabaId } from "../src/domain/Ids.ts"
import { randomMetaId, sqlBackends } from "./support/Backends.ts"
import { tokenedWhatsAppConnection } from "./support/PersistenceFixtures.ts"
import {
  answered,
  makeWebhookHarness,
  messagesPayload,
  metaJson,
  sample,
  sign,
  textMessage,
  VERIFY_TOKEN
} from "./support/WebhookHarness.ts"

for (const backend of sqlBackends()) {
  describe(`webhooks (${backend.name})`, () => {
    let h: ReturnType<typeof makeWebhookHarness>

    beforeAll(async () => {
      h = makeWebhookHarness(backend.layer)
      await h.run(Effect.void)
    }, 60_000)
    afterAll(() => h?.dispose())

    const connect = (status: ChannelConnection["status"] = "active", wabaId = randomMetaId()) =>
      h.run(
        Effect.flatMap(ConnectionRepository, (repo) =>
          repo.claimNumber(randomMetaId() as PhoneNumberId, {
            tenantId: crypto.randomUUID() as TenantId,
            provider: "meta_whatsapp",
            status,
            wabaId: wabaId as WabaId,
            phoneNumberE164: "+15550001111",
            displayName: "Shop",
            accessTokenEnc: null,
            tokenExpiresAt: null,
            scopes: [],
            metadata: {}
          })
        )
      )
    /** Processes everything due, as the background worker would. */
    const drain = () =>
      h.run(
        Effect.gen(function* () {
          const processor = yield* WebhookProcessor
          while ((yield* processor.drain) > 0) {}
        })
      )
    const conversationsOf = (tenantId: string) =>
      h.run(
        Effect.flatMap(ConversationRepository, (repo) => repo.list(tenantId as TenantId, { first: 100 })).pipe(
          Effect.map((page) => page.items.map((edge) => edge.node))
        )
      )
    const messagesOf = (tenantId: string) =>
      h.run(
        Effect.gen(function* () {
          const conversations = yield* ConversationRepository
          const messages = yield* MessageRepository
          const page = yield* conversations.list(tenantId as TenantId, { first: 100 })
          const all = []
          for (const edge of page.items) {
            all.push(...(yield* messages.listByConversation(tenantId as TenantId, edge.node.id, { first: 5000 })).items)
          }
          return all.map((edge) => edge.node)
        })
      )
    const stats = () => h.run(Effect.flatMap(WebhookInbox, (inbox) => inbox.stats(new Date())))
    const pendingCount = async () => (await stats()).pending

    it("answers Meta's verification handshake, and 403 to a wrong token or mode", async () => {
      const verify = (query: string) => h.handler(new Request(`http://localhost/webhooks/meta/whatsapp?${query}`))
      const ok = await verify(`hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=${VERIFY_TOKEN}`)
      expect(ok.status).toBe(200)
      expect(await ok.text()).toBe("1158201444")
      expect((await verify("hub.mode=subscribe&hub.challenge=1&hub.verify_token=wrong")).status).toBe(403)
      expect((await verify(`hub.mode=unsubscribe&hub.challenge=1&hub.verify_token=${VERIFY_TOKEN}`)).status).toBe(403)
      expect((await verify("hub.challenge=1")).status).toBe(403)
    })

    it("routes each change of a batch to its own tenant, and nowhere else", async () => {
      const [a, b, c] = [await connect(), await connect(), await connect()]
      const payload = {
        object: "whatsapp_business_account",
        entry: [a, b, c].map((connection, i) => ({
          id: connection.wabaId,
          changes: [
            messagesPayload(connection.phoneNumberId!, {
              contacts: [{ profile: { name: `Contact ${i}` }, wa_id: `1415555000${i}` }],
              messages: [textMessage(`wamid.route-${connection.id}`, `1415555000${i}`, `hello ${i}`)]
            }).entry[0]!.changes[0]
          ]
        }))
      }
      const response = await h.post(JSON.stringify(payload))
      expect(response.status).toBe(200)
      await drain()
      for (const [i, connection] of [a, b, c].entries()) {
        const conversations = await conversationsOf(connection.tenantId)
        expect(conversations.map((conv) => [conv.waId, conv.contactName])).toEqual([[`1415555000${i}`, `Contact ${i}`]])
        const messages = await messagesOf(connection.tenantId)
        expect(messages.map((m) => (m.body as { text: { body: string } }).text.body)).toEqual([`hello ${i}`])
        expect(messages[0]!.direction).toBe("inbound")
        expect(messages[0]!.status).toBe("received")
      }
    })

    it("stores every sample message type, an unknown type with its raw body, and a username-only contact", async () => {
      const connection = await connect()
      const names = [
        "inbound_text",
        "inbound_image",
        "inbound_audio",
        "inbound_video",
        "inbound_document",
        "inbound_sticker",
        "inbound_location",
        "inbound_contacts",
        "inbound_interactive_button_reply",
        "inbound_interactive_list_reply",
        "inbound_button",
        "inbound_reaction",
        "inbound_unsupported",
        "inbound_username_only"
      ]
      for (const name of names) {
        const response = await h.post(JSON.stringify(sample(name, connection.phoneNumberId!)))
        expect(response.status, name).toBe(200)
      }
      await drain()
      const messages = await messagesOf(connection.tenantId)
      expect(messages).toHaveLength(names.length)
      expect(new Set(messages.map((m) => m.type))).toEqual(
        new Set([
          "text",
          "image",
          "audio",
          "video",
          "document",
          "sticker",
          "location",
          "contacts",
          "interactive",
          "button",
          "reaction",
          "unsupported"
        ])
      )
      const unknown = messages.find((m) => m.type === "unsupported")!
      expect((unknown.body as { errors?: unknown }).errors).toBeDefined()
      const conversations = await conversationsOf(connection.tenantId)
      const usernameOnly = sample("inbound_username_only") as {
        entry: Array<{ changes: Array<{ value: { contacts: Array<{ user_id: string }> } }> }>
      }
      const userId = usernameOnly.entry[0]!.changes[0]!.value.contacts[0]!.user_id
      expect(conversations.map((conv) => conv.waId)).toContain(userId)
    })

    it("stores a message delivered twice, and a batch of 100 with duplicates, exactly once", async () => {
      const connection = await connect()
      const one = JSON.stringify(
        messagesPayload(connection.phoneNumberId!, {
          messages: [textMessage("wamid.twice-" + connection.id, "14155550001", "once")]
        })
      )
      expect((await h.post(one)).status).toBe(200)
      expect((await h.post(one)).status).toBe(200)
      const batch = Array.from({ length: 100 }, (_, i) =>
        textMessage(
          `wamid.batch-${connection.id}-${i % 60}`,
          `141555501${String(i % 7).padStart(2, "0")}`,
          `message ${i % 60}`
        )
      )
      expect(
        (await h.post(JSON.stringify(messagesPayload(connection.phoneNumberId!, { messages: batch })))).status
      ).toBe(200)
      await drain()
      const messages = await messagesOf(connection.tenantId)
      expect(messages).toHaveLength(61)
      expect(new Set(messages.map((m) => m.providerMessageId)).size).toBe(61)
    })

    it("applies statuses arriving in every order to the same final state; failed keeps Meta's error", async () => {
      const connection = await connect()
      const orders = [
        ["sent", "delivered", "read"],
        ["read", "delivered", "sent"],
        ["delivered", "read", "sent"],
        ["sent", "read", "delivered"]
      ]
      const statusOf = async (id: string) =>
        h
          .run(Effect.flatMap(MessageRepository, (repo) => repo.findByProviderId(id as ProviderMessageId)))
          .then((found) => Option.getOrThrow(found).status)
      for (const [index, order] of orders.entries()) {
        const id = `wamid.order-${connection.id}-${index}`
        // Half the runs learn of the outbound message only after its first status (kept and applied later).
        if (index % 2 === 0) await seedOutbound(connection, id)
        for (const [step, status] of order.entries()) {
          const body = JSON.stringify(
            messagesPayload(connection.phoneNumberId!, {
              statuses: [{ id, status, timestamp: String(1767226000 + step), recipient_id: "14155550002" }]
            })
          )
          expect((await h.post(body)).status).toBe(200)
          await drain()
        }
        if (index % 2 === 1) await seedOutbound(connection, id)
        expect(await statusOf(id), order.join(",")).toBe("read")
      }
      const failedId = `wamid.failed-${connection.id}`
      await seedOutbound(connection, failedId)
      const failed = sample("status_failed", connection.phoneNumberId!) as {
        entry: Array<{ changes: Array<{ value: { statuses: Array<{ id: string }> } }> }>
      }
      failed.entry[0]!.changes[0]!.value.statuses[0]!.id = failedId
      await h.post(JSON.stringify(failed))
      await drain()
      const message = Option.getOrThrow(
        await h.run(Effect.flatMap(MessageRepository, (repo) => repo.findByProviderId(failedId as ProviderMessageId)))
      )
      expect(message.status).toBe("failed")
      expect(JSON.stringify(message.error)).toContain("131047")
    })

    const seedOutbound = (connection: ChannelConnection, id: string) =>
      h.run(
        Effect.gen(function* () {
          const conversation = yield* Effect.flatMap(ConversationRepository, (repo) =>
            repo.upsert({
              tenantId: connection.tenantId,
              connectionId: connection.id,
              phoneNumberId: connection.phoneNumberId!,
              waId: "14155550002",
              contactName: null,
              lastMessageAt: null
            })
          )
          yield* Effect.flatMap(MessageRepository, (repo) =>
            repo.insert({
              tenantId: connection.tenantId,
              conversationId: conversation.id,
              providerMessageId: id as ProviderMessageId,
              direction: "outbound",
              type: "text",
              body: { text: { body: "hi" } },
              status: "sent",
              sentAt: new Date()
            })
          )
        })
      )

    it("checks the signature over the bytes as received: escaped unicode verifies, re-serialised JSON does not", async () => {
      const connection = await connect()
      const payload = messagesPayload(connection.phoneNumberId!, {
        messages: [textMessage(`wamid.unicode-${connection.id}`, "14155550003", "Olá, äöå — 你好 👋")]
      })
      const raw = metaJson(payload)
      expect(raw).toContain("\\u00e4")
      expect((await h.post(raw, sign(raw))).status).toBe(200)
      // The same JSON as UTF-8 is other bytes: its signature does not match the escaped delivery.
      expect((await h.post(raw, sign(JSON.stringify(payload)))).status).toBe(401)
      await drain()
      const messages = await messagesOf(connection.tenantId)
      expect((messages[0]!.body as { text: { body: string } }).text.body).toBe("Olá, äöå — 你好 👋")
    })

    it("refuses forged, missing, mismatched, unreadable, empty and oversize deliveries, storing nothing", async () => {
      const before = await pendingCount()
      const body = JSON.stringify(messagesPayload("1", { messages: [] }))
      const forged = await h.post(body, sign(body, "not-the-app-secret"))
      expect(forged.status).toBe(401)
      const text = await forged.text()
      expect(text).toContain("invalid_signature")
      expect(text).not.toContain(sign(body).slice(7))
      expect((await h.post(body, null)).status).toBe(401)
      expect((await h.post(body, "sha256=zz")).status).toBe(401)
      expect((await h.post(body, sign(`${body} `))).status).toBe(401)
      expect((await h.post("{not json", sign("{not json"))).status).toBe(400)
      expect((await h.post("", sign(""))).status).toBe(400)
      expect((await h.post("[1,2]", sign("[1,2]"))).status).toBe(400)
      const big = JSON.stringify({
        object: "whatsapp_business_account",
        entry: [],
        padding: "x".repeat(4 * 1024 * 1024)
      })
      const oversize = await h.post(big, sign(big))
      expect(oversize.status).toBe(413)
      expect(await pendingCount()).toBe(before)
      // A real 3 MB delivery (Meta's maximum) is accepted.
      const connection = await connect()
      const filler = Array.from({ length: 1000 }, (_, i) =>
        textMessage(`wamid.large-${connection.id}-${i}`, "14155550009", "y".repeat(2900))
      )
      const large = JSON.stringify(messagesPayload(connection.phoneNumberId!, { messages: filler }))
      expect(large.length).toBeGreaterThan(3_000_000)
      expect((await h.post(large, sign(large))).status).toBe(200)
      await drain()
      expect(await messagesOf(connection.tenantId)).toHaveLength(1000)
    })

    const claim = (phoneNumberId: string, wabaId: string, connectedAt: Date, tenantId = crypto.randomUUID()) =>
      h.run(
        Effect.gen(function* () {
          const connection = yield* Effect.flatMap(ConnectionRepository, (repo) =>
            repo.claimNumber(phoneNumberId as PhoneNumberId, {
              tenantId: tenantId as TenantId,
              provider: "meta_whatsapp",
              status: "active",
              wabaId: wabaId as WabaId,
              phoneNumberE164: null,
              displayName: null,
              accessTokenEnc: null,
              tokenExpiresAt: null,
              scopes: [],
              metadata: {},
              connectedAt
            })
          )
          yield* Effect.flatMap(WebhookInbox, (inbox) =>
            inbox.requeueUnrouted({ phoneNumberId, wabaId, since: connectedAt })
          )
          return connection
        })
      )

    it("an unknown number is answered 200 and kept unrouted; a connect gets only what arrived after it started", async () => {
      const [phoneNumberId, wabaId] = [randomMetaId(), randomMetaId()]
      const post = async (label: string) => {
        const body = JSON.stringify(
          messagesPayload(
            phoneNumberId,
            { messages: [textMessage(`wamid.${label}-${phoneNumberId}`, "14155550004", label)] },
            wabaId
          )
        )
        expect((await h.post(body)).status).toBe(200)
        await drain()
      }
      const unroutedBefore = (await stats()).unrouted
      await post("early")
      expect((await stats()).unrouted).toBe(unroutedBefore + 1)
      await new Promise((resolve) => setTimeout(resolve, 5))
      const started = new Date()
      await post("during")
      expect((await stats()).unrouted).toBe(unroutedBefore + 2)
      const connection = await claim(phoneNumberId, wabaId, started)
      await drain()
      // What Meta sent for the number before this tenant's connect started is not theirs: it stays for operators.
      expect((await messagesOf(connection.tenantId)).map((m) => m.providerMessageId)).toEqual([
        `wamid.during-${phoneNumberId}`
      ])
      expect((await stats()).unrouted).toBe(unroutedBefore + 1)
    })

    it("restrictions as Meta defines them: a connection stays active with its restrictions and a warning", async () => {
      const cases = [
        ["account_update_account_restriction", ["nothing"]],
        ["account_update_restricted_messaging", ["business_initiated", "replies"]]
      ] as const
      for (const [name, blocks] of cases) {
        const payload = sample(name) as { entry: Array<{ id: string; time: number }> }
        const connection = await connect("active", payload.entry[0]!.id)
        payload.entry[0]!.time = Math.floor(Date.now() / 1000) + 1
        expect((await h.post(JSON.stringify(payload))).status).toBe(200)
        await drain()
        const after = Option.getOrThrow(
          await h.run(Effect.flatMap(ConnectionRepository, (repo) => repo.findById(connection.tenantId, connection.id)))
        )
        expect(after.status, name).toBe("active")
        const stored = after.metadata["restrictions"] as Array<{ blocks: string; expires_at: string | null }>
        expect(stored.map((r) => r.blocks)).toEqual(blocks)
        expect(stored[0]!.expires_at).toBe("2027-01-05T13:59:20.000Z")
        expect(restrictionWarning(after, new Date("2026-12-01T00:00:00Z"))).toContain("until 2027-01-05T13:59:20.000Z")
        expect(restrictionWarning(after, new Date("2027-02-01T00:00:00Z"))).toBeNull()
        await h.run(
          Effect.flatMap(ConnectionRepository, (repo) =>
            repo.update(connection.tenantId, connection.id, { status: "revoked" })
          )
        )
      }
    })

    it("DISABLED_UPDATE REINSTATE re-checks the WABA with the token and restores the connection", async () => {
      const setUp = (granted: boolean) => {
        const [waba, phone] = [randomMetaId(), randomMetaId()]
        const token = `EAAreinstate${phone}`.padEnd(60, "q")
        return h.run(
          tokenedWhatsAppConnection({ tenantId: crypto.randomUUID() as TenantId, waba, phone, token, granted })
        )
      }
      const post = async (name: string, wabaId: string) => {
        const payload = sample(name) as { entry: Array<{ id: string; time: number }> }
        payload.entry[0]!.id = wabaId
        payload.entry[0]!.time = Math.floor(Date.now() / 1000) + 1
        expect((await h.post(JSON.stringify(payload))).status).toBe(200)
        await drain()
      }
      const reread = async (connection: ChannelConnection) =>
        Option.getOrThrow(
          await h.run(Effect.flatMap(ConnectionRepository, (repo) => repo.findById(connection.tenantId, connection.id)))
        )
      const good = await setUp(true)
      await post("account_update_disabled_update", good.wabaId!)
      expect((await reread(good)).status).toBe("error")
      await post("account_update_disabled_update_reinstate", good.wabaId!)
      const restored = await reread(good)
      expect(restored.status).toBe("active")
      expect(restored.metadata["error"]).toBeUndefined()
      // A token Meta does not accept: reinstated at Meta, but not verified here.
      const unverified = await setUp(false)
      await post("account_update_disabled_update", unverified.wabaId!)
      await post("account_update_disabled_update_reinstate", unverified.wabaId!)
      const still = await reread(unverified)
      expect(still.status).toBe("error")
      expect((still.metadata["error"] as { reason: string }).reason).toBe("reinstate_unverified")
    })

    it("an account_update older than the connection never acts on it", async () => {
      const wabaId = randomMetaId()
      const uninstall = (timeSeconds: number) => {
        const payload = sample("account_update_partner_app_uninstalled") as {
          entry: Array<{ time: number; changes: Array<{ value: { waba_info: { waba_id: string } } }> }>
        }
        payload.entry[0]!.time = timeSeconds
        payload.entry[0]!.changes[0]!.value.waba_info.waba_id = wabaId
        return JSON.stringify(payload)
      }
      // Received while nobody held the WABA: unrouted.
      expect((await h.post(uninstall(Math.floor(Date.now() / 1000) - 60))).status).toBe(200)
      await drain()
      await new Promise((resolve) => setTimeout(resolve, 5))
      const connection = await claim(randomMetaId(), wabaId, new Date())
      await drain()
      const statusOf = async () =>
        Option.getOrThrow(
          await h.run(Effect.flatMap(ConnectionRepository, (repo) => repo.findById(connection.tenantId, connection.id)))
        ).status
      expect(await statusOf()).toBe("active")
      // Meta retrying the same old event after the connect (its `time` is when it happened): still ignored.
      expect((await h.post(uninstall(Math.floor(Date.now() / 1000) - 60))).status).toBe(200)
      await drain()
      expect(await statusOf()).toBe("active")
      // An uninstall after the connect revokes.
      expect((await h.post(uninstall(Math.floor(Date.now() / 1000) + 1))).status).toBe(200)
      await drain()
      expect(await statusOf()).toBe("revoked")
    })

    it("keeps storing messages for a connection in error (a bad token drops nothing inbound)", async () => {
      const connection = await connect("error")
      await h.post(
        JSON.stringify(
          messagesPayload(connection.phoneNumberId!, {
            messages: [textMessage(`wamid.err-${connection.id}`, "14155550005", "still here")]
          })
        )
      )
      await drain()
      expect(await messagesOf(connection.tenantId)).toHaveLength(1)
    })

    it("a worker that dies between claim and finish leaves the event to be processed again, once", async () => {
      const connection = await connect()
      await h.post(
        JSON.stringify(
          messagesPayload(connection.phoneNumberId!, {
            messages: [textMessage(`wamid.crash-${connection.id}`, "14155550006", "x")]
          })
        )
      )
      // A worker claims the event and dies: the lease holds it for a while...
      const now = new Date()
      const claimed = await h.run(Effect.flatMap(WebhookInbox, (inbox) => inbox.claim(100, 60, now)))
      expect(claimed.length).toBeGreaterThan(0)
      expect(await h.run(Effect.flatMap(WebhookInbox, (inbox) => inbox.claim(100, 60, now)))).toHaveLength(0)
      // ...until it runs out; another worker then processes it, and processing twice stores nothing twice.
      const later = new Date(now.getTime() + 61_000)
      const reclaimed = await h.run(Effect.flatMap(WebhookInbox, (inbox) => inbox.claim(100, 60, later)))
      expect(reclaimed.map((event) => event.id).sort()).toEqual(claimed.map((event) => event.id).sort())
      for (const event of reclaimed) {
        await h.run(Effect.flatMap(WebhookProcessor, (processor) => processor.process(event)))
        await h.run(Effect.flatMap(WebhookProcessor, (processor) => processor.process(event)))
        await h.run(Effect.flatMap(WebhookInbox, (inbox) => inbox.markProcessed(event.id, later)))
      }
      expect(await messagesOf(connection.tenantId)).toHaveLength(1)
    })

    it("account updates: uninstall and removal revoke, restrictions and bans put the connection in error", async () => {
      const cases = [
        ["account_update_partner_app_uninstalled", "revoked"],
        ["account_update_partner_removed", "revoked"],
        ["account_update_disabled_update", "error"]
      ] as const
      for (const [name, expected] of cases) {
        const payload = sample(name) as {
          entry: Array<{ changes: Array<{ value: { waba_info?: { waba_id: string } } }>; id: string }>
        }
        const wabaId = payload.entry[0]!.changes[0]!.value.waba_info?.waba_id ?? payload.entry[0]!.id
        const connection = await connect("active", wabaId)
        // The samples' `time` is in the past: the event happens after this connect.
        ;(payload.entry[0] as { time?: number }).time = Math.floor(Date.now() / 1000) + 1
        // Only this connection may hold the WABA in this run.
        expect((await h.post(JSON.stringify(payload))).status).toBe(200)
        await drain()
        const after = await h.run(
          Effect.flatMap(ConnectionRepository, (repo) => repo.findById(connection.tenantId, connection.id))
        )
        expect(Option.getOrThrow(after).status, name).toBe(expected)
        await h.run(
          Effect.flatMap(ConnectionRepository, (repo) =>
            repo.update(connection.tenantId, connection.id, { status: "revoked" })
          )
        )
      }
    })

    const readyz = async () => {
      const response = await h.handler(new Request("http://localhost/readyz"))
      return {
        status: response.status,
        body: (await response.json()) as { status: string; database: string; intake: IntakeHealth }
      }
    }
    const sqlRun = (statement: string) => h.run(Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(statement)))

    it("refuses JSON nested deeper than 64 levels with 400 and stores nothing; intake goes on storing", async () => {
      const before = await stats()
      // Four signed 12 KB bodies: each used to overflow the stack of one of the four writers, and intake hung.
      const deep = `{"object":"whatsapp_business_account","entry":${"[".repeat(6000)}${"]".repeat(6000)}}`
      const refused = await Promise.all(Array.from({ length: 4 }, () => answered(h.post(deep))))
      expect(refused.map((response) => response.status)).toEqual([400, 400, 400, 400])
      expect(await refused[0]!.text()).toContain("nested deeper than 64 levels")
      expect(await stats()).toEqual({ ...before, oldestPendingSeconds: expect.any(Number) })
      const connection = await connect()
      const body = JSON.stringify(
        messagesPayload(connection.phoneNumberId!, {
          messages: [textMessage(`wamid.after-deep-${connection.id}`, "14155550011", "still here")]
        })
      )
      expect((await answered(h.post(body))).status).toBe(200)
      await drain()
      expect(await messagesOf(connection.tenantId)).toHaveLength(1)
      expect((await readyz()).body.intake).toMatchObject({ healthy: true, writers: 4 })
    })

    it("/readyz reports intake, and answers 503 while intake can store nothing though the database answers", async () => {
      const ready = await readyz()
      expect(ready.status).toBe(200)
      expect(ready.body).toMatchObject({ status: "ready", database: "ok", intake: { healthy: true, writers: 4 } })
      const body = JSON.stringify(messagesPayload(randomMetaId(), { messages: [] }))
      // Every insert is refused (as a full disk or a broken migration would), while `SELECT 1` still works.
      await sqlRun("ALTER TABLE webhook_events ADD CONSTRAINT intake_refuses_all CHECK (provider = 'nobody') NOT VALID")
      try {
        for (let i = 0; i < 3; i++) expect((await answered(h.post(body))).status).toBe(503)
        const unready = await readyz()
        expect(unready.status).toBe(503)
        expect(unready.body).toMatchObject({ status: "unavailable", database: "ok", intake: { healthy: false } })
        expect(unready.body.intake.consecutiveFailedBatches).toBeGreaterThanOrEqual(3)
        expect(JSON.stringify(unready.body)).not.toContain("intake_refuses_all")
      } finally {
        await sqlRun("ALTER TABLE webhook_events DROP CONSTRAINT intake_refuses_all")
      }
      expect((await answered(h.post(body))).status).toBe(200)
      expect((await readyz()).status).toBe(200)
    })

    it("accepts \\u0000 and an unpaired surrogate: the bytes are kept as sent, the messages stored", async () => {
      const connection = await connect()
      const texts = ["before\u0000after", "lone \ud800 high", "lone \udc00 low", "pair 👋 \u0000"]
      // PostgreSQL text cannot hold U+0000 or a lone surrogate: derived rows keep the rest, with U+FFFD for those.
      const safe = ["before\ufffdafter", "lone \ufffd high", "lone \ufffd low", "pair 👋 \ufffd"]
      const bodies = texts.map((text, i) =>
        metaJson(
          messagesPayload(connection.phoneNumberId!, {
            contacts: [{ profile: { name: "Zoë" }, wa_id: "14155550012" }],
            messages: [textMessage(`wamid.hostile-${connection.id}-${i}`, "14155550012", text)]
          })
        )
      )
      expect(bodies[0]).toContain("\\u0000")
      expect(bodies[1]).toContain("\\ud800")
      for (const body of bodies) expect((await answered(h.post(body))).status).toBe(200)
      // The stored bytes are the delivery exactly as sent.
      for (const [i, body] of bodies.entries()) {
        const sha = createHash("sha256").update(body).digest("hex")
        const rows = await h.run(
          Effect.flatMap(
            SqlClient.SqlClient,
            (sql) => sql`SELECT raw, payload #>> '{entry,0,changes,0,value,messages,0,text,body}' AS text
                  FROM webhook_events WHERE body_sha256 = ${sha}`
          )
        )
        expect(rows).toHaveLength(1)
        expect(Buffer.from(rows[0]!["raw"] as Uint8Array).toString("utf8")).toBe(body)
        // The queryable jsonb holds what jsonb can: U+FFFD for the rest.
        expect(rows[0]!["text"]).toBe(safe[i])
      }
      await drain()
      const messages = await messagesOf(connection.tenantId)
      const stored = new Map(
        messages.map((m) => [m.providerMessageId, (m.body as { text: { body: string } }).text.body])
      )
      expect(texts.map((_, i) => stored.get(`wamid.hostile-${connection.id}-${i}` as ProviderMessageId))).toEqual(safe)
    })

    it("one hostile delivery among 41 concurrent ones costs no other delivery its 200", async () => {
      const connection = await connect()
      const bodies = Array.from({ length: 41 }, (_, i) =>
        metaJson(
          messagesPayload(connection.phoneNumberId!, {
            messages: [
              textMessage(`wamid.shared-${connection.id}-${i}`, "14155550013", i === 20 ? "nul \u0000" : `m${i}`)
            ]
          })
        )
      )
      const responses = await Promise.all(bodies.map((body) => answered(h.post(body))))
      expect(responses.map((response) => response.status)).toEqual(Array(41).fill(200))
      await drain()
      expect(await messagesOf(connection.tenantId)).toHaveLength(41)
    })

    it("an absurd timestamp fails the event at once (it reads the same every time), with its error; an operator can replay it", async () => {
      const connection = await connect()
      const id = `wamid.absurd-${connection.id}`
      const body = JSON.stringify(
        messagesPayload(connection.phoneNumberId!, {
          messages: [{ ...textMessage(id, "14155550014", "from the far future"), timestamp: "99999999999999" }]
        })
      )
      const failedBefore = (await stats()).failed
      expect((await answered(h.post(body))).status).toBe(200)
      // The worker's loop under a test clock: each round processes what is due, then time passes (no real sleep).
      const rounds = (count: number) =>
        h.run(
          Effect.gen(function* () {
            yield* TestClock.setTime(Date.now())
            const processor = yield* WebhookProcessor
            for (let round = 0; round < count; round++) {
              while ((yield* processor.drain) > 0) {}
              yield* TestClock.adjust("10 minutes")
            }
          }).pipe(Effect.provide(TestClock.layer()))
        )
      await rounds(12)
      expect((await stats()).failed).toBe(failedBefore + 1)
      const failed = await h.run(Effect.flatMap(WebhookInbox, (inbox) => inbox.listFailed(1000)))
      const event = failed.find((candidate) => candidate.lastError?.includes(id))
      expect(event).toBeDefined()
      expect(event!.attempts, "an unreadable payload is not retried").toBe(1)
      expect(event!.lastError).toBe(`message ${id} has an unreadable timestamp "99999999999999"`)
      expect(await messagesOf(connection.tenantId)).toHaveLength(0)
      // Replayed: pending again with a fresh attempt count; still unreadable, so it is failed again on its first.
      const replay = await h.run(replayFailed({ ids: [event!.id] }))
      expect(replay).toEqual({ listed: 1, requeued: 1 })
      expect((await stats()).failed).toBe(failedBefore)
      await rounds(1)
      const again = (await h.run(Effect.flatMap(WebhookInbox, (inbox) => inbox.listFailed(1000)))).find(
        (candidate) => candidate.id === event!.id
      )
      expect(again?.attempts).toBe(1)
    })

    it("a stored row that cannot be read is parked as failed, and blocks no claim", async () => {
      await sqlRun(
        "INSERT INTO webhook_events (provider, body_sha256, payload, raw) VALUES ('meta_whatsapp', 'unreadable-row', '{}', '\\x7b')"
      )
      const connection = await connect()
      const body = JSON.stringify(
        messagesPayload(connection.phoneNumberId!, {
          messages: [textMessage(`wamid.after-unreadable-${connection.id}`, "14155550015", "next")]
        })
      )
      expect((await h.post(body)).status).toBe(200)
      await drain()
      expect(await messagesOf(connection.tenantId)).toHaveLength(1)
      const failed = await h.run(Effect.flatMap(WebhookInbox, (inbox) => inbox.listFailed(1000)))
      expect(failed.some((event) => event.lastError?.startsWith("unreadable row:"))).toBe(true)
    })

    it("concurrent deliveries are group-committed and all stored", async () => {
      const connection = await connect()
      const bodies = Array.from({ length: 64 }, (_, i) =>
        JSON.stringify(
          messagesPayload(connection.phoneNumberId!, {
            messages: [textMessage(`wamid.conc-${connection.id}-${i}`, "14155550007", `c${i}`)]
          })
        )
      )
      const responses = await Promise.all(bodies.map((body) => h.post(body)))
      expect(responses.every((r) => r.status === 200)).toBe(true)
      await drain()
      expect(await messagesOf(connection.tenantId)).toHaveLength(64)
    })
  })
}
