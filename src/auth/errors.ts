/** Why a credential was not accepted, as the verifiers throw it and the pipeline answers it (401 or 403). */

/** A token that does not verify; `reason` is for the server log, never for the client. */
export class TokenRejectedError extends Error {
  override name = "TokenRejectedError";
}

/** A verified credential that lacks scopes a request needs: answered 403 `insufficient_scope`, not 401. */
export class InsufficientScopeError extends Error {
  override name = "InsufficientScopeError";
  constructor(readonly scopes: readonly string[]) {
    super(`the credential lacks the scope(s) ${scopes.join(" ")}`);
  }
}
