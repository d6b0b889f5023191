import { Effect } from "effect"
import { AuditTrail } from "../../../application/AuditTrail.ts"
import type { AuditEntry } from "../../../domain/AuditEntry.ts"
import { Forbidden } from "../../../domain/Errors.ts"
import { builder } from "../builder.ts"
import { afterCursor, connectionOf } from "./conversations.ts"

declare module "../builder.ts" {
  interface GraphqlServices {
    readonly auditTrail: AuditTrail
  }
}

const AuditEntryRef = builder.objectRef<AuditEntry>("AuditEntry").implement({
  description: "Something a person or the system did to the tenant's connections. Never holds a token.",
  fields: (t) => ({
    id: t.exposeID("id"),
    action: t.exposeString("action", { description: "e.g. whatsapp.connected, whatsapp.send_failed." }),
    resourceType: t.exposeString("resourceType"),
    resourceId: t.exposeString("resourceId", { nullable: true }),
    userId: t.exposeString("userId", { nullable: true, description: "Null when the system acted." }),
    ip: t.exposeString("ip", { nullable: true }),
    details: t.string({ description: "The details as JSON.", resolve: (entry) => JSON.stringify(entry.details) }),
    createdAt: t.expose("createdAt", { type: "DateTime" })
  })
})

const AuditEntryConnection = connectionOf("AuditEntry", AuditEntryRef)

builder.queryField("auditLog", (t) =>
  t.field({
    type: AuditEntryConnection,
    description: "The tenant's audit log, newest first (admins, or the integration_debug flag).",
    args: { first: t.arg.int(), after: t.arg.string() },
    errors: { types: [Forbidden], dataField: { name: "entries" } },
    resolve: (_root, args, ctx) => {
      const after = afterCursor(args.after)
      return ctx.run(Effect.flatMap(AuditTrail, (trail) => trail.list(ctx.actor, args.first ?? null, after)))
    }
  })
)
