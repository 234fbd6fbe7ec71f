// Package token verifies and mints the JSON Web Tokens that let people into
// meetings, following JaaS and Jitsi's Prosody token authentication
// (contracts/jitsi.md §1–2):
//
//   - JaaS tokens: RS256, kid "<tenant>/<key id>" naming a tenant API key,
//     typ JWT, iss "chat", aud "jitsi", sub the tenant, a context claim.
//   - Self-hosted tokens (Prosody authentication = "token"): HS256 with the
//     app secret, or RS256 with a key from an ASAP key server; iss among the
//     accepted issuers (default app_id), aud among the accepted audiences.
//
// Every refusal carries a Reason; names follow the Jitsi client's where one
// exists (tokenExpired, kidMismatch, ...). See Verifier.Verify.
package token
