import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import { MemoryPorts } from "../../../test/support/ConnectTestKit.ts"
import { MetaGraphMemoryControl } from "../../adapters/meta-graph/MetaGraphMemory.ts"
import { MetaUnavailable } from "../../domain/Errors.ts"
import { AppWebhookCheck } from "./AppWebhookCheck.ts"

const TestLayer = AppWebhookCheck.layer.pipe(Layer.provideMerge(MemoryPorts))
const OURS = "https://app.example.com/webhooks/meta/whatsapp"

describe("AppWebhookCheck", () => {
  it.effect("reads the app's callback (never writes it) and names what is wrong", () =>
    Effect.gen(function* () {
      const check = yield* AppWebhookCheck
      const meta = yield* MetaGraphMemoryControl
      assert.isTrue(Option.isNone(yield* check.last))

      const ok = yield* check.check
      assert.strictEqual(ok.state, "ok")
      assert.strictEqual(ok.expectedCallbackUrl, OURS)

      yield* meta.setAppSubscription({
        callbackUrl: "https://staging.example.com/webhooks/meta/whatsapp",
        fields: ["messages", "account_update"]
      })
      const foreign = yield* check.check
      assert.strictEqual(foreign.state, "foreign")
      assert.strictEqual(foreign.callbackUrl, "https://staging.example.com/webhooks/meta/whatsapp")
      assert.include(foreign.message, "not to this service")
      assert.strictEqual(Option.getOrThrow(yield* check.last).state, "foreign")

      yield* meta.setAppSubscription({ callbackUrl: `${OURS}/`, fields: ["messages"] })
      const fields = yield* check.check
      assert.strictEqual(fields.state, "fields_missing")
      assert.deepStrictEqual(fields.missingFields, [
        "account_update",
        "phone_number_name_update",
        "phone_number_quality_update",
        "account_review_update",
        "business_capability_update",
        "message_template_status_update",
        "message_template_quality_update",
        "template_category_update"
      ])

      yield* meta.setAppSubscription(null)
      assert.strictEqual((yield* check.check).state, "missing")

      yield* meta.failWith("appSubscription", new MetaUnavailable({ detail: "down" }))
      assert.strictEqual((yield* check.check).state, "unknown")

      // Only reads went to Meta, and the callback is as the last person left it.
      const calls = (yield* meta.calls).map((call) => call.method)
      assert.deepStrictEqual([...new Set(calls)], ["appSubscription"])
      assert.isNull(yield* meta.appSubscription)
    }).pipe(Effect.provide(TestLayer))
  )
})
