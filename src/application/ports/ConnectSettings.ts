import { Context, type Redacted } from "effect"

/** What the connect flows need to know about this deployment's Meta app. */
export class ConnectSettings extends Context.Service<
  ConnectSettings,
  {
    readonly appId: string
    readonly graphVersion: string
    /** Where the OAuth dialog lives (`https://www.facebook.com`, or the sandbox). */
    readonly dialogBaseUrl: string
    /** The Embedded Signup configuration (Facebook Login for Business). */
    readonly configId: string
    readonly whatsappRedirectUri: string
    readonly adsRedirectUri: string
    /** Our webhook endpoint, for the app-level subscription. */
    readonly webhookCallbackUrl: string
    readonly webhookVerifyToken: Redacted.Redacted<string>
  }
>()("app/application/ports/ConnectSettings") {}
