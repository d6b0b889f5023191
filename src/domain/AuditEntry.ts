import { Schema } from "effect"
import { type Provider, TenantId } from "./Ids.ts"

/** Something a person or the system did to a tenant's connections, kept for the tenant's admins. */
export class AuditEntry extends Schema.Class<AuditEntry>("AuditEntry")({
  id: Schema.String,
  tenantId: TenantId,
  userId: Schema.NullOr(Schema.String),
  action: Schema.NonEmptyString,
  resourceType: Schema.NonEmptyString,
  resourceId: Schema.NullOr(Schema.String),
  details: Schema.Record(Schema.String, Schema.Unknown),
  ip: Schema.NullOr(Schema.String),
  createdAt: Schema.Date
}) {}

/** The prefix of a provider's audit actions: `whatsapp.token_invalid`, `meta_ads.token_renewed`. */
export const auditPrefix = (provider: Provider): "whatsapp" | "meta_ads" =>
  provider === "meta_ads" ? "meta_ads" : "whatsapp"
