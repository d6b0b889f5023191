import { Duration } from "effect"
import { describe, expect, it } from "vitest"
import { OAUTH_STATE_TTL } from "../../domain/OAuthState.ts"
import {
  bindingCookieName,
  bindingSetCookieHeaders,
  META_ADS_BINDINGS,
  STATE_PREFIX_LENGTH,
  WHATSAPP_BINDINGS,
  WHATSAPP_CALLBACK_BINDING
} from "./BrowserBinding.ts"

const started = { authUrl: "https://www.facebook.com/dialog", state: "AbC-_0123456789xyzTAIL", browserBinding: "f00d" }

describe("the browser-binding cookie", () => {
  it("is one cookie per started flow and path: HttpOnly, SameSite=Lax, its path, as long as the state lives", () => {
    const [callback, complete] = bindingSetCookieHeaders(WHATSAPP_BINDINGS, started, true)
    const seconds = Duration.toSeconds(OAUTH_STATE_TTL)
    expect(callback).toBe(
      `meta_oauth_wa_AbC-_0123456789x=f00d; Max-Age=${seconds}; Path=/api/integrations/meta/whatsapp/callback; HttpOnly; Secure; SameSite=Lax`
    )
    expect(complete).toBe(
      `meta_oauth_wap_AbC-_0123456789x=f00d; Max-Age=${seconds}; Path=/api/integrations/meta/whatsapp/complete; HttpOnly; Secure; SameSite=Lax`
    )
    const [ads] = bindingSetCookieHeaders(META_ADS_BINDINGS, started, false)
    expect(ads).toBe(
      `meta_oauth_ads_AbC-_0123456789x=f00d; Max-Age=${seconds}; Path=/api/integrations/meta/ads/callback; HttpOnly; SameSite=Lax`
    )
  })

  it("two flows get two names; a state that is not base64url names no cookie", () => {
    const other = bindingCookieName(WHATSAPP_CALLBACK_BINDING, "ZZZ-_0123456789xyzTAIL")
    expect(other).not.toBe(bindingCookieName(WHATSAPP_CALLBACK_BINDING, started.state))
    expect(bindingCookieName(WHATSAPP_CALLBACK_BINDING, started.state)).toHaveLength(
      "meta_oauth_wa_".length + STATE_PREFIX_LENGTH
    )
    for (const bad of ["", "a;b", "a b", "x=1", null, undefined]) {
      expect(bindingCookieName(WHATSAPP_CALLBACK_BINDING, bad)).toBeNull()
    }
    expect(bindingSetCookieHeaders(WHATSAPP_BINDINGS, { ...started, state: "no;pe" }, true)).toEqual([])
  })
})
