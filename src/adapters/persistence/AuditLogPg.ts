import { Effect, Layer, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { AuditLog } from "../../application/ports/AuditLog.ts"
import { decodePosition, encodeMicrosCursor } from "../../application/ports/Page.ts"
import { atMicros } from "./Micros.ts"
import { AuditEntryRow, toJson } from "./Rows.ts"

export const AuditLogPg = Layer.effect(
  AuditLog,
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const decodeEntries = Schema.decodeUnknownEffect(Schema.Array(AuditEntryRow))
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
        const cursor = decodePosition(page.after, "desc")
        const after =
          cursor === null ? sql`TRUE` : sql`(created_at, id) < (${atMicros(sql, cursor.sortKeyMicros)}, ${cursor.id})`
        return sql`
          SELECT *, (extract(epoch FROM created_at) * 1000000)::bigint::text AS created_micros FROM audit_log
          WHERE tenant_id = ${tenantId} AND ${after}
          ORDER BY created_at DESC, id DESC LIMIT ${page.first + 1}`.pipe(
          Effect.flatMap((rows) =>
            Effect.map(decodeEntries(rows.slice(0, page.first)), (entries) => {
              const items = entries.map((node, index) => ({
                node,
                cursor: encodeMicrosCursor(String(rows[index]!["created_micros"]), node.id)
              }))
              return { items, hasNextPage: rows.length > page.first, endCursor: items.at(-1)?.cursor ?? null }
            })
          ),
          Effect.orDie
        )
      }
    })
  })
)
