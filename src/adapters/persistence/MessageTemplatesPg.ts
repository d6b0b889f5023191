import { Effect, Layer, Option } from "effect"
import { SqlClient } from "effect/sql"
import { MessageTemplates } from "../../application/messaging/ports/MessageTemplates.ts"
import { LiveEvents } from "../../application/ports/LiveEvents.ts"
import type { TenantId } from "../../domain/Ids.ts"
import {
  type HeaderKind,
  type MessageTemplate,
  type ParameterFormat,
  templateStatusOf
} from "../../domain/MessageTemplate.ts"
import { transactionAnnouncing, writeOutbox } from "./OutboxPg.ts"
import type { Row } from "./Rows.ts"
import { toJson } from "./Rows.ts"

const strings = (value: unknown): ReadonlyArray<string> => {
  const parsed = typeof value === "string" ? JSON.parse(value) : value
  return Array.isArray(parsed) ? parsed.map(String) : []
}
const text = (value: unknown): string | null => (value === null || value === undefined ? null : String(value))

const templateOf = (row: Row): MessageTemplate => ({
  wabaId: String(row["waba_id"]),
  templateId: String(row["template_id"]),
  name: String(row["name"]),
  language: String(row["language"]),
  category: String(row["category"]),
  status: templateStatusOf(String(row["status"])),
  rejectedReason: text(row["rejected_reason"]),
  quality: text(row["quality"]),
  parameterFormat: String(row["parameter_format"]) as ParameterFormat,
  headerKind: String(row["header_kind"]) as HeaderKind,
  headerText: text(row["header_text"]),
  bodyText: String(row["body_text"]),
  footerText: text(row["footer_text"]),
  headerPlaceholders: strings(row["header_placeholders"]),
  bodyPlaceholders: strings(row["body_placeholders"]),
  updatedAt: row["updated_at"] instanceof Date ? row["updated_at"] : new Date(String(row["updated_at"]))
})

export const MessageTemplatesPg = Layer.effect(
  MessageTemplates,
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const live = yield* Effect.serviceOption(LiveEvents)

    const upsert = (tenantId: string, t: MessageTemplate) =>
      sql`INSERT INTO message_templates (tenant_id, waba_id, name, language, template_id, category, status,
            rejected_reason, quality, parameter_format, header_kind, header_text, body_text, footer_text, header_placeholders,
            body_placeholders, updated_at)
          VALUES (${tenantId}, ${t.wabaId}, ${t.name}, ${t.language}, ${t.templateId}, ${t.category}, ${t.status},
            ${t.rejectedReason}, ${t.quality}, ${t.parameterFormat}, ${t.headerKind}, ${t.headerText}, ${t.bodyText},
            ${t.footerText}, ${toJson(t.headerPlaceholders)}::jsonb, ${toJson(t.bodyPlaceholders)}::jsonb,
            ${t.updatedAt})
          ON CONFLICT (tenant_id, waba_id, name, language) DO UPDATE SET
            template_id = EXCLUDED.template_id, category = EXCLUDED.category, status = EXCLUDED.status,
            rejected_reason = EXCLUDED.rejected_reason, quality = EXCLUDED.quality, parameter_format = EXCLUDED.parameter_format,
            header_kind = EXCLUDED.header_kind, header_text = EXCLUDED.header_text, body_text = EXCLUDED.body_text,
            footer_text = EXCLUDED.footer_text, header_placeholders = EXCLUDED.header_placeholders,
            body_placeholders = EXCLUDED.body_placeholders, updated_at = EXCLUDED.updated_at`

    // The rows before the sync come back from the DELETE (locked until commit), so each synced template says whether
    // its status moved.
    const replaceAll: MessageTemplates["Service"]["replaceAll"] = (tenantId, wabaId, templates, announce) =>
      transactionAnnouncing(sql, live, (announced) =>
        Effect.gen(function* () {
          const before = yield* sql`
            DELETE FROM message_templates WHERE tenant_id = ${tenantId} AND waba_id = ${wabaId}
            RETURNING name, language, status, rejected_reason`
          const previous = new Map(before.map((row) => [JSON.stringify([row["name"], row["language"]]), row]))
          for (const t of templates) {
            const next = { ...t, wabaId }
            yield* upsert(tenantId, next)
            const row = previous.get(JSON.stringify([t.name, t.language]))
            if (announce === undefined || row === undefined) continue
            const status = templateStatusOf(String(row["status"]))
            if (status === next.status && text(row["rejected_reason"]) === next.rejectedReason) continue
            yield* writeOutbox(sql, announce(tenantId, next, status), announced)
          }
        })
      ).pipe(Effect.orDie, Effect.withSpan("MessageTemplatesPg.replaceAll"))

    const put: MessageTemplates["Service"]["put"] = (tenantId, template) =>
      upsert(tenantId, template).pipe(Effect.asVoid, Effect.orDie, Effect.withSpan("MessageTemplatesPg.put"))

    const remove: MessageTemplates["Service"]["remove"] = (tenantId, wabaId, name) =>
      sql`DELETE FROM message_templates WHERE tenant_id = ${tenantId} AND waba_id = ${wabaId} AND name = ${name}`.pipe(
        Effect.asVoid,
        Effect.orDie,
        Effect.withSpan("MessageTemplatesPg.remove")
      )

    // Each row's status before the update (read under the row lock), so a row says whether it moved.
    const setStatus: MessageTemplates["Service"]["setStatus"] = (wabaId, name, language, change, announce) =>
      transactionAnnouncing(sql, live, (announced) =>
        Effect.gen(function* () {
          const rows = yield* sql`
            WITH before AS (
              SELECT tenant_id, status, rejected_reason FROM message_templates
              WHERE waba_id = ${wabaId} AND name = ${name} AND language = ${language} FOR UPDATE)
            UPDATE message_templates t SET status = ${change.status}, rejected_reason = ${change.rejectedReason},
              category = COALESCE(${change.category}, t.category), updated_at = ${change.at}
            FROM before
            WHERE t.tenant_id = before.tenant_id AND t.waba_id = ${wabaId} AND t.name = ${name}
              AND t.language = ${language}
            RETURNING t.*, before.status AS previous_status, before.rejected_reason AS previous_reason`
          if (announce !== undefined)
            for (const row of rows) {
              const template = templateOf(row)
              const previous = templateStatusOf(String(row["previous_status"]))
              if (previous === template.status && text(row["previous_reason"]) === template.rejectedReason) continue
              yield* writeOutbox(sql, announce(row["tenant_id"] as TenantId, template, previous), announced)
            }
          return rows.length
        })
      ).pipe(Effect.orDie, Effect.withSpan("MessageTemplatesPg.setStatus"))

    const setDetails: MessageTemplates["Service"]["setDetails"] = (wabaId, name, language, change) =>
      sql`UPDATE message_templates SET quality = COALESCE(${change.quality ?? null}, quality),
            category = COALESCE(${change.category ?? null}, category), updated_at = ${change.at}
          WHERE waba_id = ${wabaId} AND name = ${name} AND language = ${language}
          RETURNING tenant_id`.pipe(
        Effect.map((rows) => rows.length),
        Effect.orDie,
        Effect.withSpan("MessageTemplatesPg.setDetails")
      )

    const list: MessageTemplates["Service"]["list"] = (tenantId, wabaId) =>
      sql`SELECT * FROM message_templates WHERE tenant_id = ${tenantId} AND waba_id = ${wabaId}
          ORDER BY name, language`.pipe(
        Effect.map((rows) => rows.map(templateOf)),
        Effect.orDie,
        Effect.withSpan("MessageTemplatesPg.list")
      )

    const find: MessageTemplates["Service"]["find"] = (tenantId, wabaId, name, language) =>
      sql`SELECT * FROM message_templates WHERE tenant_id = ${tenantId} AND waba_id = ${wabaId} AND name = ${name}
            AND language = ${language}`.pipe(
        Effect.map((rows) => (rows.length === 0 ? Option.none() : Option.some(templateOf(rows[0]!)))),
        Effect.orDie,
        Effect.withSpan("MessageTemplatesPg.find")
      )

    return MessageTemplates.of({ replaceAll, put, remove, setStatus, setDetails, list, find })
  })
)
