import { Context, type Redacted } from "effect"

/** The secret Meta signs webhooks with (`X-Hub-Signature-256`), and our answer to its verification handshake. */
export class WebhookSettings extends Context.Service<
  WebhookSettings,
  {
    readonly appSecret: Redacted.Redacted<string>
    readonly verifyToken: Redacted.Redacted<string>
  }
>()("app/application/ports/WebhookSettings") {}
