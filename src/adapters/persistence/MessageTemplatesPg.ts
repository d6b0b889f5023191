import { Effect, Layer, Option } from "effect"
import { SqlClient } from "effect/sql"
import { MessageTemplates } from "../../application/messaging/ports/MessageTemplates.ts"
import {
  type HeaderKind,
  type MessageTemplate,
  type ParameterFormat,
  templateStatusOf
} from "../../domain/MessageTemplate.ts"
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

    const upsert = (tenantId: string, t: MessageTemplate) =>
      sql`INSERT INTO message_templates (tenant_id, waba_id, name, language, template_id, category, status,
            rejected_reason, parameter_format, header_kind, header_text, body_text, footer_text, header_placeholders,
            body_placeholders, updated_at)
          VALUES (${tenantId}, ${t.wabaId}, ${t.name}, ${t.language}, ${t.templateId}, ${t.category}, ${t.status},
            ${t.rejectedReason}, ${t.parameterFormat}, ${t.headerKind}, ${t.headerText}, ${t.bodyText},
            ${t.footerText}, ${toJson(t.headerPlaceholders)}::jsonb, ${toJson(t.bodyPlaceholders)}::jsonb,
            ${t.updatedAt})
          ON CONFLICT (tenant_id, waba_id, name, language) DO UPDATE SET
            template_id = EXCLUDED.template_id, category = EXCLUDED.category, status = EXCLUDED.status,
            rejected_reason = EXCLUDED.rejected_reason, parameter_format = EXCLUDED.parameter_format,
            header_kind = EXCLUDED.header_kind, header_text = EXCLUDED.header_text, body_text = EXCLUDED.body_text,
            footer_text = EXCLUDED.footer_text, header_placeholders = EXCLUDED.header_placeholders,
            body_placeholders = EXCLUDED.body_placeholders, updated_at = EXCLUDED.updated_at`

    const replaceAll: MessageTemplates["Service"]["replaceAll"] = (tenantId, wabaId, templates) =>
      sql
        .withTransaction(
          Effect.gen(function* () {
            yield* sql`DELETE FROM message_templates WHERE tenant_id = ${tenantId} AND waba_id = ${wabaId}`
            for (const t of templates) yield* upsert(tenantId, { ...t, wabaId })
          })
        )
        .pipe(Effect.orDie, Effect.withSpan("MessageTemplatesPg.replaceAll"))

    const put: MessageTemplates["Service"]["put"] = (tenantId, template) =>
      upsert(tenantId, template).pipe(Effect.asVoid, Effect.orDie, Effect.withSpan("MessageTemplatesPg.put"))

    const remove: MessageTemplates["Service"]["remove"] = (tenantId, wabaId, name) =>
      sql`DELETE FROM message_templates WHERE tenant_id = ${tenantId} AND waba_id = ${wabaId} AND name = ${name}`.pipe(
        Effect.asVoid,
        Effect.orDie,
        Effect.withSpan("MessageTemplatesPg.remove")
      )

    const setStatus: MessageTemplates["Service"]["setStatus"] = (wabaId, name, language, change) =>
      sql`UPDATE message_templates SET status = ${change.status}, rejected_reason = ${change.rejectedReason},
            category = COALESCE(${change.category}, category), updated_at = ${change.at}
          WHERE waba_id = ${wabaId} AND name = ${name} AND language = ${language}
          RETURNING tenant_id`.pipe(
        Effect.map((rows) => rows.length),
        Effect.orDie,
        Effect.withSpan("MessageTemplatesPg.setStatus")
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

    return MessageTemplates.of({ replaceAll, put, remove, setStatus, list, find })
  })
)
