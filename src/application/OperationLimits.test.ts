import { NodeRedis } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Layer } from "effect"
import { RateLimiter } from "effect/persistence"
import { TenantId } from "../domain/Ids.ts"
import { OPERATION_LIMITS, OperationLimits } from "./OperationLimits.ts"

const tenant = () => TenantId.make(crypto.randomUUID())

/** Runs `operation` `times` times for the tenant on `limits`; how many were refused, and the last refusal. */
const spend = (limits: OperationLimits["Service"], tenantId: TenantId, times: number) =>
  Effect.gen(function* () {
    const results = yield* Effect.forEach(Array.from({ length: times }), () =>
      limits.consume("meta_ads.test_connection", tenantId).pipe(Effect.flip, Effect.option)
    )
    return results.filter((result) => result._tag === "Some").map((result) => result.value)
  })

describe("OperationLimits", () => {
  it.effect("refuses a tenant's run beyond the operation's limit, typed, with when to retry", () =>
    Effect.gen(function* () {
      const limits = yield* OperationLimits
      const t = tenant()
      assert.strictEqual(OPERATION_LIMITS["meta_ads.test_connection"].limit, 5)
      assert.lengthOf(yield* spend(limits, t, 5), 0)
      const [refused] = yield* spend(limits, t, 1)
      assert.strictEqual(refused?._tag, "RateLimited")
      assert.strictEqual(refused?.operation, "meta_ads.test_connection")
      assert.isTrue(refused !== undefined && refused.retryAfterSeconds >= 1 && refused.retryAfterSeconds <= 60)
      // Limits are per tenant, and per operation.
      assert.lengthOf(yield* spend(limits, tenant(), 5), 0)
      yield* limits.consume("meta_ads.start", t)
    }).pipe(Effect.provide(OperationLimits.layerMemory))
  )

  // Two instances of the service behind a load balancer share one Redis (this machine kind runs one on 6379;
  // .ci/run starts it when it is down).
  const redisUrl = process.env["TEST_REDIS_URL"] ?? "redis://127.0.0.1:6379"
  it.effect("shares the count between instances through Redis", () =>
    Effect.gen(function* () {
      const prefix = `test:${crypto.randomUUID()}:`
      const instance = OperationLimits.layer.pipe(
        Layer.provide(RateLimiter.layer),
        Layer.provide(RateLimiter.layerStoreRedis({ prefix })),
        Layer.provide(NodeRedis.layer({ url: redisUrl }))
      )
      const first = yield* Layer.build(Layer.fresh(instance))
      const second = yield* Layer.build(Layer.fresh(instance))
      const t = tenant()
      assert.lengthOf(yield* spend(Context.get(first, OperationLimits), t, 3), 0)
      const refused = yield* spend(Context.get(second, OperationLimits), t, 3)
      assert.lengthOf(refused, 1, "3 on one instance + 2 on the other reach the limit of 5")
    }).pipe(Effect.scoped)
  )
})
