import { SDK_AUTH_MESSAGE } from "./dialog.ts"

/**
 * `{sandbox}/sdk.js`: a stand-in for `https://connect.facebook.net/en_US/sdk.js` with `FB.init` and `FB.login`.
 * `FB.login` opens the dialog in a popup (`display=popup`, the opener's origin, no redirect_uri); the popup posts the
 * session-info event (META_SPEC 1.5) to the opener at its exact origin, and the SDK hands its callback
 * `{authResponse: {code}}` (or `{authResponse: null}` on a cancel, a closed or a blocked popup). When the popup is
 * closed before it could say anything, the SDK dispatches the CANCEL event itself, with the sandbox as its origin.
 */
export const sdkScript = (sandboxOrigin: string, defaultVersion: string): string => `/* Sandbox Meta JS SDK */
(function () {
  var ORIGIN = ${JSON.stringify(sandboxOrigin)};
  var settings = { version: ${JSON.stringify(defaultVersion)} };
  var pending = null;
  function finish(response) {
    var p = pending;
    if (p === null) return;
    pending = null;
    clearInterval(p.timer);
    p.callback(response);
  }
  window.addEventListener("message", function (event) {
    if (event.origin !== ORIGIN || pending === null) return;
    var data;
    try { data = JSON.parse(event.data); } catch (e) { return; }
    if (data && data.type === "WA_EMBEDDED_SIGNUP") pending.sawSession = true;
    if (data && data.type === ${JSON.stringify(SDK_AUTH_MESSAGE)}) {
      finish(data.code ? { status: "connected", authResponse: { code: data.code, expiresIn: 30 } }
                       : { status: "unknown", authResponse: null });
    }
  });
  window.FB = {
    init: function (options) {
      options = options || {};
      if (options.appId) settings.appId = String(options.appId);
      if (options.version) settings.version = String(options.version);
    },
    login: function (callback, options) {
      options = options || {};
      var query = new URLSearchParams({ client_id: settings.appId || "", display: "popup", origin: location.origin,
        response_type: options.response_type || "token", sdk: "joey" });
      if (options.config_id) query.set("config_id", String(options.config_id));
      if (options.override_default_response_type) query.set("override_default_response_type", "true");
      if (options.scope) query.set("scope", String(options.scope));
      if (options.extras) query.set("extras", JSON.stringify(options.extras));
      var popup = window.open(ORIGIN + "/" + settings.version + "/dialog/oauth?" + query.toString(), "fb_login",
        "popup=yes,width=640,height=760");
      if (!popup) { callback({ status: "unknown", authResponse: null }); return; }
      if (pending !== null) finish({ status: "unknown", authResponse: null });
      var mine = { callback: callback, sawSession: false, timer: 0 };
      pending = mine;
      mine.timer = setInterval(function () {
        if (!popup.closed || pending !== mine) return;
        clearInterval(mine.timer);
        // Messages posted just before the popup closed are still queued: give them a moment.
        setTimeout(function () {
          if (pending !== mine) return;
          if (!mine.sawSession) {
            window.dispatchEvent(new MessageEvent("message", { origin: ORIGIN, data: JSON.stringify({
              type: "WA_EMBEDDED_SIGNUP", event: "CANCEL", version: 3, data: { current_step: "WABA_PHONE_PROFILE_PICKER" } }) }));
          }
          finish({ status: "unknown", authResponse: null });
        }, 300);
      }, 200);
    },
    getLoginStatus: function (callback) { callback({ status: "unknown", authResponse: null }); }
  };
  if (typeof window.fbAsyncInit === "function") setTimeout(window.fbAsyncInit, 0);
})();
`
