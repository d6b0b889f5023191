import { Forbidden } from "../domain/Errors.ts"
import type { Role, TenantId, UserId } from "../domain/Ids.ts"

/** Who is asking: the authenticated user of a tenant, and where the request came from. */
export interface Actor {
  readonly tenantId: TenantId
  readonly userId: UserId
  readonly role: Role
  /** Feature flags from the token (e.g. `integration_debug`). */
  readonly flags: ReadonlyArray<string>
  readonly ip: string | null
  readonly userAgent: string | null
}

/** Operator tools (manual connect, token debug): admins, or anyone with the `integration_debug` flag. */
export const canOperate = (actor: Actor): boolean => actor.role === "admin" || actor.flags.includes("integration_debug")

export const requireOperator = (actor: Actor, action: string): Forbidden | null =>
  canOperate(actor) ? null : new Forbidden({ action })
