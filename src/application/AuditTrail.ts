import { Context, Effect, Layer } from "effect"
import type { AuditEntry } from "../domain/AuditEntry.ts"
import type { Forbidden } from "../domain/Errors.ts"
import { type Actor, requireOperator } from "./Actor.ts"
import { AuditLog } from "./ports/AuditLog.ts"
import { clampFirst, type Page } from "./ports/Page.ts"

/** The tenant's audit log (connects, disconnects, manual connects, token errors, failed sends), for its admins. */
export class AuditTrail extends Context.Service<
  AuditTrail,
  { list(actor: Actor, first: number | null, after: string | null): Effect.Effect<Page<AuditEntry>, Forbidden> }
>()("app/application/AuditTrail") {
  static readonly layer = Layer.effect(
    AuditTrail,
    Effect.gen(function* () {
      const audit = yield* AuditLog
      return AuditTrail.of({
        list: Effect.fn("AuditTrail.list")(function* (actor, first, after) {
          const forbidden = requireOperator(actor, "read the audit log")
          if (forbidden !== null) return yield* forbidden
          return yield* audit.list(actor.tenantId, { first: clampFirst(first), after: after ?? undefined })
        })
      })
    })
  )
}
