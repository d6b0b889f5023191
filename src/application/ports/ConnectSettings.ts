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
    /**
     * The Meta Ads configuration (Facebook Login for Business, type "User access token" with ads_management,
     * ads_read, business_management), sent as `config_id`; null when Meta Ads is off (`META_ADS_ENABLED=false`).
     */
    readonly adsConfigId: string | null
    readonly whatsappRedirectUri: string
    readonly adsRedirectUri: string
    /** Our webhook endpoint, for the app-level subscription. */
    readonly webhookCallbackUrl: string
    readonly webhookVerifyToken: Redacted.Redacted<string>
  }
>()("app/application/ports/ConnectSettings") {}
