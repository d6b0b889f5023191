import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Option, Redacted } from "effect"
import { activeConnectionHolding } from "../../../test/support/ConnectTestKit.ts"
import { layerFromKeys } from "../../adapters/crypto/TokenCipherAesGcm.ts"
import { MetaGraphMemory, MetaGraphMemoryControl } from "../../adapters/meta-graph/MetaGraphMemory.ts"
import { OutboxMemory } from "../../adapters/persistence/OutboxMemory.ts"
import { PersistenceMemory } from "../../adapters/persistence/Persistence.ts"
import type { TenantId, UserId } from "../../domain/Ids.ts"
import type { Actor } from "../Actor.ts"
import { MetaGraph } from "../ports/MetaGraph.ts"
import { MessageTemplates } from "./ports/MessageTemplates.ts"
import { type CreateTemplateInput, Templates, templateInputProblem } from "./Templates.ts"

const TestLayer = Templates.layer.pipe(
  Layer.provideMerge(
    Layer.mergeAll(
      PersistenceMemory,
      MetaGraphMemory,
      layerFromKeys({ active: new Uint8Array(32).fill(5), previous: [] })
    )
  )
)

let n = 0
/** An admin of a tenant whose WhatsApp connection holds a WABA at the fake Meta (which starts with hello_world). */
const tenantWithWaba = Effect.gen(function* () {
  n++
  const tenantId = crypto.randomUUID() as TenantId
  const admin: Actor = { tenantId, userId: "u-admin" as UserId, role: "admin", flags: [], ip: null, userAgent: null }
  const member: Actor = { ...admin, userId: "u-member" as UserId, role: "member" }
  const waba = `71000000000${String(n).padStart(4, "0")}`
  const phone = `81000000000${String(n).padStart(4, "0")}`
  const token = `EAAtpl${n}`.padEnd(60, "t")
  const meta = yield* MetaGraphMemoryControl
  yield* meta.addWaba({ id: waba, phoneNumbers: [{ id: phone, displayPhoneNumber: "15550002222", registered: true }] })
  yield* meta.grant({ code: `t${n}`, redirectUri: "r", token, wabaIds: [waba] })
  yield* (yield* MetaGraph).exchangeCode(Redacted.make(`t${n}`), "r")
  const connection = yield* activeConnectionHolding(tenantId, token, {
    phoneNumberId: phone,
    wabaId: waba,
    phoneNumberE164: "+15550002222"
  })
  return { admin, member, waba, connection }
})

const orderReady: CreateTemplateInput = {
  name: "order_ready",
  language: "en_US",
  category: "UTILITY",
  bodyText: "Hi {{1}}, order {{2}} is ready.",
  bodyExamples: ["Ana", "42"]
}

describe("templateInputProblem", () => {
  it("answers in words what Meta would refuse", () => {
    assert.isNull(templateInputProblem(orderReady))
    assert.include(templateInputProblem({ ...orderReady, name: "Order Ready" }) ?? "", "lowercase")
    assert.include(templateInputProblem({ ...orderReady, language: "english" }) ?? "", "en_US")
    assert.include(templateInputProblem({ ...orderReady, category: "PROMO" }) ?? "", "MARKETING")
    assert.include(templateInputProblem({ ...orderReady, bodyText: " " }) ?? "", "empty")
    assert.include(templateInputProblem({ ...orderReady, bodyText: "Hi {{2}} and {{1}} ok" }) ?? "", "in order")
    assert.include(
      templateInputProblem({ ...orderReady, bodyText: "{{1}} is ready", bodyExamples: ["x"] }) ?? "",
      "start or end"
    )
    assert.include(templateInputProblem({ ...orderReady, bodyExamples: ["Ana"] }) ?? "", "example value")
    assert.include(templateInputProblem({ ...orderReady, headerText: "Order {{1}}" }) ?? "", "header")
    const named = {
      ...orderReady,
      parameterFormat: "NAMED" as const,
      bodyText: "Hi {{first_name}}, order {{order_id}}."
    }
    assert.isNull(templateInputProblem(named))
    assert.include(templateInputProblem({ ...named, bodyText: "Hi {{First}}, order {{2x}}." }) ?? "", "lowercase")
    assert.include(templateInputProblem({ ...named, bodyExamples: ["Ana"] }) ?? "", "example value")
    assert.include(templateInputProblem({ ...orderReady, bodyText: "Hi {{first_name}} ok" }) ?? "", "named")
  })
})

describe("Templates", () => {
  it.effect("sync reads Meta's templates into the store; without a connection it says so", () =>
    Effect.gen(function* () {
      const { admin, member } = yield* tenantWithWaba
      const templates = yield* Templates
      assert.deepStrictEqual((yield* templates.list(admin)).templates, [])
      const synced = yield* templates.sync(member)
      assert.deepStrictEqual(
        synced.templates.map((t) => [t.name, t.status]),
        [["hello_world", "APPROVED"]]
      )
      const nobody: Actor = { ...admin, tenantId: crypto.randomUUID() as TenantId }
      assert.strictEqual((yield* Effect.flip(templates.sync(nobody)))._tag, "NotConnected")
      assert.deepStrictEqual(yield* templates.list(nobody), { wabaId: null, templates: [] })
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("create: admins only, checked before Meta, then PENDING in the store; delete removes it", () =>
    Effect.gen(function* () {
      const { admin, member, waba } = yield* tenantWithWaba
      const templates = yield* Templates
      assert.strictEqual((yield* Effect.flip(templates.create(member, orderReady)))._tag, "Forbidden")
      const invalid = yield* Effect.flip(templates.create(admin, { ...orderReady, bodyExamples: [] }))
      assert.strictEqual(invalid._tag, "InvalidMessage")
      const created = yield* templates.create(admin, orderReady)
      assert.strictEqual(created.status, "PENDING")
      assert.deepStrictEqual(created.bodyPlaceholders, ["1", "2"])
      assert.isTrue(Option.isSome(yield* (yield* MessageTemplates).find(admin.tenantId, waba, "order_ready", "en_US")))
      assert.strictEqual((yield* Effect.flip(templates.remove(member, "order_ready")))._tag, "Forbidden")
      const left = yield* templates.remove(admin, "order_ready")
      assert.isFalse(left.templates.some((t) => t.name === "order_ready"))
      const named = yield* templates.create(admin, {
        ...orderReady,
        name: "order_named",
        parameterFormat: "NAMED",
        bodyText: "Hi {{first_name}}, order {{order_id}} is ready."
      })
      assert.strictEqual(named.parameterFormat, "NAMED")
      assert.deepStrictEqual(named.bodyPlaceholders, ["first_name", "order_id"])
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect(
    "a status webhook moves the row and announces template.status once; an unknown template syncs the WABA",
    () =>
      Effect.gen(function* () {
        const { admin, waba } = yield* tenantWithWaba
        const templates = yield* Templates
        yield* templates.create(admin, orderReady)
        const review = {
          _tag: "TemplateReviewed" as const,
          wabaId: waba,
          templateId: null,
          name: "order_ready",
          language: "en_US",
          occurredAt: new Date(),
          status: "REJECTED" as const,
          statusText: "REJECTED",
          reason: "INVALID_FORMAT",
          category: null
        }
        assert.strictEqual(yield* templates.applyWebhook(review), 1)
        assert.strictEqual(yield* templates.applyWebhook(review), 1)
        const events = (yield* (yield* OutboxMemory).announced).filter(
          (e) => e.type === "template.status" && e.tenantId === admin.tenantId
        )
        assert.strictEqual(events.length, 1, "the same status again announces nothing")
        assert.deepInclude(events[0]!.data as object, { status: "REJECTED", previousStatus: "PENDING" })
        const stored = Option.getOrThrow(
          yield* (yield* MessageTemplates).find(admin.tenantId, waba, "order_ready", "en_US")
        )
        assert.strictEqual(stored.rejectedReason, "INVALID_FORMAT")

        // hello_world is not in the store (no sync yet): Meta paused it, and its webhook syncs the WABA instead.
        yield* (yield* MetaGraphMemoryControl).reviewTemplate(waba, "hello_world", "en_US", "PAUSED")
        yield* templates.applyWebhook({ ...review, name: "hello_world", status: "PAUSED", reason: null })
        yield* templates.applyWebhook({
          _tag: "TemplateQualityChanged",
          wabaId: waba,
          templateId: null,
          name: "hello_world",
          language: "en_US",
          occurredAt: new Date(),
          quality: "RED"
        })
        const hello = Option.getOrThrow(
          yield* (yield* MessageTemplates).find(admin.tenantId, waba, "hello_world", "en_US")
        )
        assert.deepStrictEqual([hello.status, hello.quality], ["PAUSED", "RED"])
        assert.strictEqual(yield* templates.applyWebhook({ ...review, wabaId: "999", name: "nope" }), 0)
      }).pipe(Effect.provide(TestLayer))
  )

  it.effect(
    "a sync that finds a moved status announces template.status; a sync with nothing moved announces nothing",
    () =>
      Effect.gen(function* () {
        const { admin, waba, connection } = yield* tenantWithWaba
        const templates = yield* Templates
        yield* templates.create(admin, orderReady)
        const statusEvents = Effect.map(
          Effect.flatMap(OutboxMemory, (outbox) => outbox.announced),
          (all) => all.filter((e) => e.type === "template.status" && e.tenantId === admin.tenantId)
        )
        yield* templates.syncConnection(connection)
        assert.deepStrictEqual(yield* statusEvents, [], "nothing moved (hello_world is new to the store)")
        // Meta approved it, and its webhook never came: the next sync finds the change.
        yield* (yield* MetaGraphMemoryControl).reviewTemplate(waba, "order_ready", "en_US", "APPROVED")
        yield* templates.syncConnection(connection)
        const events = yield* statusEvents
        assert.strictEqual(events.length, 1)
        assert.deepInclude(events[0]!.data as object, {
          name: "order_ready",
          status: "APPROVED",
          previousStatus: "PENDING"
        })
        yield* templates.syncConnection(connection)
        assert.strictEqual((yield* statusEvents).length, 1, "the same status again announces nothing")
      }).pipe(Effect.provide(TestLayer))
  )
})
