import { type FormEvent, useState } from "react"
import { useMutation } from "urql"
import { graphql } from "../gql/index.ts"
import { Dialog } from "../shared/Dialog.tsx"

const ManualConnectMutation = graphql(`
  mutation ConnectWhatsAppManually($input: ManualConnectInput!) {
    connectWhatsAppManually(input: $input) {
      __typename
      ... on ConnectWhatsAppManuallySuccess {
        connection {
          ...ConnectionFields
        }
      }
      ... on Error {
        message
      }
    }
  }
`)

/**
 * Operators only (admins, or the `integration_debug` flag): connects a number with a pasted token. The caller
 * renders this only when the viewer may operate; the API refuses everyone else anyway.
 */
export function ManualConnect({ onConnected }: { readonly onConnected: () => void }) {
  const [open, setOpen] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const [state, connect] = useMutation(ManualConnectMutation)

  const close = () => {
    setOpen(false)
    setError(null)
  }

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    const form = new FormData(event.currentTarget)
    const field = (name: string) => String(form.get(name) ?? "").trim()
    setError(null)
    const result = await connect({
      input: { wabaId: field("wabaId"), phoneNumberId: field("phoneNumberId"), accessToken: field("accessToken") }
    })
    const data = result.data?.connectWhatsAppManually
    if (data === undefined) {
      setError(result.error?.graphQLErrors[0]?.message ?? "Could not connect. Check the values and try again.")
    } else if ("message" in data) {
      setError(data.message)
    } else {
      close()
      onConnected()
    }
  }

  return (
    <>
      <button type="button" className="button subtle" onClick={() => setOpen(true)}>
        Manual Connect (Admin only)
      </button>
      {open ? (
        <Dialog
          title="Manual Connect (Admin only)"
          description="Connect a number with a token from Meta Business Manager. The token is stored encrypted and never shown again."
          onClose={close}
        >
          <form className="form" onSubmit={submit}>
            <label className="field">
              <span>WhatsApp Business Account id</span>
              <input name="wabaId" required inputMode="numeric" autoComplete="off" pattern="[0-9]{5,20}" />
            </label>
            <label className="field">
              <span>Phone number id</span>
              <input name="phoneNumberId" required inputMode="numeric" autoComplete="off" pattern="[0-9]{5,20}" />
            </label>
            <label className="field">
              <span>Access token</span>
              <input name="accessToken" type="password" required autoComplete="off" spellCheck={false} />
            </label>
            {error === null ? null : (
              <p className="error-text" role="alert">
                {error}
              </p>
            )}
            <div className="dialog-actions">
              <button type="button" className="button" onClick={close}>
                Cancel
              </button>
              <button type="submit" className="button primary" disabled={state.fetching}>
                {state.fetching ? "Connecting…" : "Connect"}
              </button>
            </div>
          </form>
        </Dialog>
      ) : null}
    </>
  )
}
