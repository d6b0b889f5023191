import { type FormEvent, type ReactNode, useCallback, useEffect, useMemo, useState } from "react"
import { Provider, useQuery } from "urql"
import { graphql, useFragment } from "./gql/index.ts"
import { IntegrationsPage, IntegrationsQuery } from "./IntegrationsPage.tsx"
import { makeClient } from "./shared/client.ts"
import { Spinner } from "./shared/Dialog.tsx"
import {
  type ClientConfig,
  clearSession,
  fetchClientConfig,
  type Role,
  readSession,
  type Session,
  saveSession,
  signInDev,
  takeFragmentToken
} from "./shared/session.ts"

export interface AppProps {
  readonly fetchImpl?: typeof fetch
  readonly navigate?: (url: string) => void
}

const ROLE_LABEL = { ADMIN: "Admin", MARKETING: "Marketing", MEMBER: "Member" } as const

const AccountViewer = graphql(`
  fragment AccountViewer on Viewer {
    tenantId
    role
  }
`)

export function App({ fetchImpl = fetch, navigate }: AppProps) {
  const [config, setConfig] = useState<ClientConfig | "failed" | null>(null)
  const [session, setSession] = useState<Session | null>(() => takeFragmentToken() ?? readSession())
  const [notice, setNotice] = useState<string | null>(null)

  useEffect(() => {
    fetchClientConfig(fetchImpl).then(setConfig, () => setConfig("failed"))
  }, [fetchImpl])
  useEffect(() => {
    if (window.location.pathname === "/") {
      window.history.replaceState(window.history.state, "", `/settings/integrations${window.location.search}`)
    }
  }, [])

  const client = useMemo(() => (session === null ? null : makeClient(session.token)), [session])
  const signOut = useCallback((message: string | null = null) => {
    clearSession()
    setSession(null)
    setNotice(message)
  }, [])
  const expired = useCallback(() => signOut("Your session has expired. Sign in again."), [signOut])

  const mode = config !== null && config !== "failed" ? config.mode : null
  let content: ReactNode
  if (config === null) content = <Spinner label="Loading…" />
  else if (config === "failed" && session === null)
    content = (
      <p className="error-text" role="alert">
        The service cannot be reached. Reload the page to try again.
      </p>
    )
  else if (session === null || client === null)
    content =
      mode === "sandbox" ? (
        <SignIn
          notice={notice}
          fetchImpl={fetchImpl}
          onSignedIn={(next) => {
            saveSession(next)
            setNotice(null)
            setSession(next)
          }}
        />
      ) : (
        <section className="card narrow" aria-labelledby="host-session">
          <h1 id="host-session" className="page-title">
            Sign in through your product
          </h1>
          <p>
            This page gets its session from the product it is part of. Open the integrations settings from there to
            continue.
          </p>
          {notice === null ? null : <p role="status">{notice}</p>}
        </section>
      )
  else
    content = (
      <Provider value={client}>
        <Account session={session} onSignOut={() => signOut()} />
        <IntegrationsPage
          onUnauthorized={expired}
          token={session.token}
          {...(navigate === undefined ? {} : { navigate })}
          {...(config !== "failed" && config.meta !== undefined ? { meta: config.meta } : {})}
        />
      </Provider>
    )

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to main content
      </a>
      {mode === "sandbox" ? (
        <div className="sandbox-banner" role="note">
          <strong>Sandbox</strong> Meta is simulated on this server: no real WhatsApp account, ad account or message is
          involved.
        </div>
      ) : null}
      <header className="topbar">
        <span className="brand">Channel connections</span>
      </header>
      <main id="main" className="page" tabIndex={-1}>
        {content}
      </main>
    </>
  )
}

function Account({ session, onSignOut }: { readonly session: Session; readonly onSignOut: () => void }) {
  const [result] = useQuery({ query: IntegrationsQuery })
  const viewer = useFragment(AccountViewer, result.data?.viewer)
  return (
    <div className="account">
      <p>
        Signed in to <strong>{session.tenant ?? viewer?.tenantId ?? "your workspace"}</strong>
        {viewer === undefined ? null : (
          <>
            {" "}
            as <strong>{ROLE_LABEL[viewer.role]}</strong>
          </>
        )}
      </p>
      <button type="button" className="button subtle" onClick={onSignOut}>
        Sign out
      </button>
    </div>
  )
}

function SignIn({
  notice,
  fetchImpl,
  onSignedIn
}: {
  readonly notice: string | null
  readonly fetchImpl: typeof fetch
  readonly onSignedIn: (session: Session) => void
}) {
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    const form = new FormData(event.currentTarget)
    const tenant = String(form.get("tenant") ?? "").trim()
    const role = String(form.get("role") ?? "member") as Role
    setBusy(true)
    setError(null)
    try {
      onSignedIn(await signInDev(tenant, role, fetchImpl))
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : "Sign-in failed.")
      setBusy(false)
    }
  }

  return (
    <section className="card narrow" aria-labelledby="sign-in-title">
      <h1 id="sign-in-title" className="page-title">
        Sign in to the sandbox
      </h1>
      <p className="muted">Pick a workspace and a role. Workspaces are created on first use.</p>
      {notice === null ? null : (
        <p className="notice warn" role="status">
          {notice}
        </p>
      )}
      <form className="form" onSubmit={submit}>
        <label className="field">
          <span>Workspace</span>
          <input
            name="tenant"
            defaultValue="tenant-a"
            required
            pattern="[A-Za-z0-9 _.\-]{1,64}"
            title="Letters, digits, spaces, dots, dashes or underscores (up to 64)"
            autoComplete="off"
          />
        </label>
        <label className="field">
          <span>Role</span>
          <select name="role" defaultValue="member">
            <option value="member">Member</option>
            <option value="marketing">Marketing</option>
            <option value="admin">Admin</option>
          </select>
        </label>
        {error === null ? null : (
          <p className="error-text" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="button primary" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </section>
  )
}
