import "./audit.ts"
import "./conversations.ts"
import "./errors.ts"
import "./health.ts"
import "./live.ts"
import "./media.ts"
import "./metaAds.ts"
import "./templates.ts"
import "./viewer.ts"
import "./webhooks.ts"
import "./whatsapp.ts"
import { builder } from "../builder.ts"

export const schema = builder.toSchema()
