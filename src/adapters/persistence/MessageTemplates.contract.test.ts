import { assert, layer } from "@effect/vitest"
import { Effect, Option } from "effect"
import { persistenceBackends, randomMetaId, randomTenant } from "../../../test/support/Backends.ts"
import { messageTemplate as template } from "../../../test/support/PersistenceFixtures.ts"
import { MessageTemplates } from "../../application/messaging/ports/MessageTemplates.ts"
import type { TenantId } from "../../domain/Ids.ts"

for (const backend of persistenceBackends()) {
  layer(backend.layer, { timeout: 120_000, excludeTestServices: true })(
    `message templates contract (${backend.name})`,
    (it) => {
      it.effect("a sync replaces the WABA's templates, per tenant, listed by name then language", () =>
        Effect.gen(function* () {
          const repo = yield* MessageTemplates
          const [t, other] = [randomTenant() as TenantId, randomTenant() as TenantId]
          const waba = randomMetaId()
          yield* repo.replaceAll(t, waba, [
            template(waba, { name: "zeta" }),
            template(waba, { language: "pt_BR" }),
            template(waba)
          ])
          yield* repo.replaceAll(other, waba, [template(waba, { name: "theirs" })])
          const listed = yield* repo.list(t, waba)
          assert.deepStrictEqual(
            listed.map((x) => `${x.name}/${x.language}`),
            ["order_ready/en_US", "order_ready/pt_BR", "zeta/en_US"]
          )
          const found = Option.getOrThrow(yield* repo.find(t, waba, "order_ready", "en_US"))
          assert.deepStrictEqual(found.bodyPlaceholders, ["1", "2"])
          assert.deepStrictEqual(found.headerPlaceholders, ["1"])
          assert.strictEqual(found.headerText, "Order {{1}}")
          assert.strictEqual(found.updatedAt.toISOString(), "2026-01-01T00:00:00.000Z")
          yield* repo.replaceAll(t, waba, [template(waba, { name: "zeta", status: "APPROVED" })])
          assert.deepStrictEqual(
            (yield* repo.list(t, waba)).map((x) => [x.name, x.status]),
            [["zeta", "APPROVED"]]
          )
          assert.strictEqual((yield* repo.list(other, waba)).length, 1)
          assert.isTrue(Option.isNone(yield* repo.find(other, waba, "zeta", "en_US")))
        })
      )

      it.effect("a status change by WABA, name and language; put and remove", () =>
        Effect.gen(function* () {
          const repo = yield* MessageTemplates
          const t = randomTenant() as TenantId
          const waba = randomMetaId()
          yield* repo.put(t, template(waba))
          yield* repo.put(t, template(waba, { language: "es" }))
          const at = new Date("2026-02-02T00:00:00Z")
          const changed = yield* repo.setStatus(waba, "order_ready", "en_US", {
            status: "REJECTED",
            rejectedReason: "INVALID_FORMAT",
            category: null,
            at
          })
          assert.strictEqual(changed, 1)
          const rejected = Option.getOrThrow(yield* repo.find(t, waba, "order_ready", "en_US"))
          assert.strictEqual(rejected.status, "REJECTED")
          assert.strictEqual(rejected.rejectedReason, "INVALID_FORMAT")
          assert.strictEqual(rejected.category, "UTILITY")
          assert.strictEqual(Option.getOrThrow(yield* repo.find(t, waba, "order_ready", "es")).status, "PENDING")
          assert.strictEqual(
            yield* repo.setStatus(waba, "missing", "en_US", {
              status: "APPROVED",
              rejectedReason: null,
              category: null,
              at
            }),
            0
          )
          yield* repo.setStatus(waba, "order_ready", "es", {
            status: "APPROVED",
            rejectedReason: null,
            category: "MARKETING",
            at
          })
          assert.strictEqual(Option.getOrThrow(yield* repo.find(t, waba, "order_ready", "es")).category, "MARKETING")
          // The quality and category webhooks: each keeps what it does not name.
          assert.strictEqual(yield* repo.setDetails(waba, "order_ready", "es", { quality: "YELLOW", at }), 1)
          assert.strictEqual(yield* repo.setDetails(waba, "order_ready", "es", { category: "UTILITY", at }), 1)
          const detailed = Option.getOrThrow(yield* repo.find(t, waba, "order_ready", "es"))
          assert.deepStrictEqual(
            [detailed.quality, detailed.category, detailed.status],
            ["YELLOW", "UTILITY", "APPROVED"]
          )
          assert.strictEqual(yield* repo.setDetails(waba, "missing", "es", { quality: "RED", at }), 0)
          yield* repo.remove(t, waba, "order_ready")
          assert.deepStrictEqual(yield* repo.list(t, waba), [])
        })
      )
    }
  )
}
