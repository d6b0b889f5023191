import { Effect, Layer, Schema } from "effect"
import { SqlClient, SqlSchema } from "effect/sql"
import { AuditLog } from "../../application/ports/AuditLog.ts"
import { decodeCursor, encodeCursor } from "../../application/ports/Page.ts"
import { AuditEntryRow, toJson } from "./Rows.ts"

export const AuditLogPg = Layer.effect(
  AuditLog,
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    return AuditLog.of({
      record: (entry) =>
        sql`
          INSERT INTO audit_log (tenant_id, user_id, action, resource_type, resource_id, details, ip)
          VALUES (${entry.tenantId}, ${entry.userId}, ${entry.action}, ${entry.resourceType}, ${entry.resourceId},
                  ${toJson(entry.details)}::jsonb, ${entry.ip})`.pipe(
          Effect.asVoid,
          Effect.orDie,
          Effect.withSpan("AuditLogPg.record")
        ),
      list: (tenantId, page) => {
        const cursor = decodeCursor(page.after)
        const after =
          cursor === null
            ? sql`TRUE`
            : sql`(date_trunc('milliseconds', created_at), id) < (${cursor.sortKey}, ${cursor.id})`
        return SqlSchema.findAll({
          Request: Schema.Void,
          Result: AuditEntryRow,
          execute: () => sql`
            SELECT * FROM audit_log WHERE tenant_id = ${tenantId} AND ${after}
            ORDER BY date_trunc('milliseconds', created_at) DESC, id DESC LIMIT ${page.first + 1}`
        })(undefined).pipe(
          Effect.map((rows) => {
            const items = rows
              .slice(0, page.first)
              .map((node) => ({ node, cursor: encodeCursor(node.createdAt, node.id) }))
            return { items, hasNextPage: rows.length > page.first, endCursor: items.at(-1)?.cursor ?? null }
          }),
          Effect.orDie
        )
      }
    })
  })
)
