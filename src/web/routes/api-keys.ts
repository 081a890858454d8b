/**
 * /settings/api-keys (docs/authentication.md#api-keys): list, create (the key shown once), and revoke after a
 * confirmation. Keys are the signed-in user's in the chosen organization, or every member's for an
 * admin, through the actor-scoped functions of services.apiKeys.
 */
import { Elysia } from "elysia";
import * as v from "valibot";
import { hasRole, type Actor } from "../../services/actor.ts";
import { TOOL_SCOPES } from "../../auth/scopes.ts";
import { API_KEY_NAME_MAX_LENGTH, type ApiKeyInfo } from "../../services/api-keys.ts";
import { ServiceError } from "../../services/errors.ts";
import { listField, queryOf, textField, validateForm, type FieldErrors, type FormObject } from "../form.ts";
import { API_KEY_EXPIRY_CHOICES, apiKeysPage, DEFAULT_API_KEY_EXPIRY, revokeApiKeyPage, type ApiKeyFormValues } from "../pages/api-keys.ts";
import { errorPage } from "../pages/error.ts";
import { htmlResponse, seeOther } from "../respond.ts";
import type { SignedInUser } from "../web-auth.ts";
import { foreignHostRefusal, signOutTokenFor, type WebRouteOptions } from "./shared.ts";
import { signedInMacros } from "./signed-in.ts";

const DAY_MS = 24 * 60 * 60 * 1000;
/** Organization slugs and ids are far shorter; longer is no organization. */
const ORGANIZATION_FIELD_MAX_LENGTH = 100;

const organizationField = textField("The organization", ORGANIZATION_FIELD_MAX_LENGTH);

const listQuerySchema = v.object({ organization: organizationField, done: v.optional(v.string(), "") });

const createSchema = v.object({
  organization: organizationField,
  name: textField("The name", API_KEY_NAME_MAX_LENGTH),
  scope: v.pipe(listField(v.picklist(TOOL_SCOPES, `Unknown scope; choose among ${TOOL_SCOPES.join(" and ")}.`)), v.minLength(1, "Choose at least one scope.")),
  expires: v.optional(v.picklist(API_KEY_EXPIRY_CHOICES, "Choose when the key expires from the list."), DEFAULT_API_KEY_EXPIRY),
});

const revokeSchema = v.object({
  organization: organizationField,
  id: textField("The key id", 100),
});

/** Fields of a refused create form, shown again as typed (each cut to what the form allows). */
function valuesOf(fields: FormObject): ApiKeyFormValues {
  const one = (value: string | string[] | undefined) => (typeof value === "string" ? value.slice(0, API_KEY_NAME_MAX_LENGTH) : "");
  const scopes = fields.scope === undefined ? [] : ([] as string[]).concat(fields.scope);
  return { name: one(fields.name), scopes, expires: one(fields.expires) };
}

export function apiKeyRoutes(options: WebRouteOptions) {
  const { config, services, webAuth } = options;

  /** A hook that runs before the sign-in check, so a signed-out visitor also learns that keys are off. */
  const keysTurnedOff = () =>
    config.MCP_API_KEYS_ENABLED
      ? undefined
      : errorPage({ status: 404, title: "API keys are off", message: "API keys are turned off on this server (MCP_API_KEYS_ENABLED); connect a client through OAuth instead." });

  /** The actor for the user in the organization named (slug or id), else in their default or first one; or the page saying why not. */
  async function actorOr(user: SignedInUser, organization: string): Promise<Actor | Response> {
    const chosen = organization
      ? user.organizations.find((o) => o.slug === organization || o.id === organization.toLowerCase())
      : (user.organizations.find((o) => o.id === user.defaultOrganizationId) ?? user.organizations[0]);
    if (!chosen) {
      return organization
        ? errorPage({ status: 404, title: "Organization not found", message: `You are not a member of an organization "${organization}".` })
        : errorPage({ status: 404, title: "No organization", message: "You belong to no organization yet; ask an organization admin to add you, then make API keys there." });
    }
    const actor = await services.accounts.resolveActor(user.username, chosen.id);
    if ("refused" in actor) return errorPage({ status: 403, title: "Not allowed", message: "Your account cannot act in this organization now; sign in again or ask an organization admin." });
    return actor;
  }

  const organizationOf = (user: SignedInUser, actor: Actor) => user.organizations.find((o) => o.id === actor.organizationId)!;

  async function listPage(
    request: Request,
    user: SignedInUser,
    actor: Actor,
    extra: { status?: number; created?: { key: string; apiKey: ApiKeyInfo }; notice?: string | null; errors?: FieldErrors; values?: ApiKeyFormValues } = {},
  ) {
    const csrf = webAuth.csrfToken(request);
    const keys = await services.apiKeys.listForActor(actor);
    const page = apiKeysPage({
      user,
      organization: organizationOf(user, actor),
      keys,
      csrfToken: csrf.token,
      signOutToken: signOutTokenFor(config, csrf.token),
      showOwners: hasRole(actor, "admin"),
      created: extra.created,
      notice: extra.notice,
      errors: extra.errors,
      values: extra.values,
    });
    return htmlResponse(page, { status: extra.status, setCookie: csrf.setCookie });
  }

  return new Elysia({ name: "web-api-keys" })
    .use(signedInMacros(options))
    .onBeforeHandle(foreignHostRefusal(options))
    .onBeforeHandle(keysTurnedOff)
    .get(
      "/settings/api-keys",
      async function showApiKeys({ request, user }) {
        const query = validateForm(listQuerySchema, queryOf(request));
        if (!query.ok) return errorPage({ status: 400, title: "Bad address", message: Object.values(query.errors)[0]! });
        const actor = await actorOr(user, query.value.organization);
        if (actor instanceof Response) return actor;
        return listPage(request, user, actor, { notice: query.value.done === "revoked" ? "The API key was revoked; clients using it are refused from now on." : null });
      },
      { signedIn: true },
    )
    .post(
      "/settings/api-keys",
      async function createApiKey({ request, user, fields }) {
        const parsed = validateForm(createSchema, fields);
        const actor = await actorOr(user, parsed.ok ? parsed.value.organization : typeof fields.organization === "string" ? fields.organization.slice(0, ORGANIZATION_FIELD_MAX_LENGTH) : "");
        if (actor instanceof Response) return actor;
        if (!parsed.ok) return listPage(request, user, actor, { status: 400, errors: parsed.errors, values: valuesOf(fields) });
        const { name, scope, expires } = parsed.value;
        try {
          const created = await services.apiKeys.createForActor(actor, {
            name: name.trim() || null,
            scopes: scope,
            expiresAt: expires === "never" ? null : new Date(Date.now() + Number(expires) * DAY_MS),
          });
          return listPage(request, user, actor, { created });
        } catch (error) {
          if (!(error instanceof ServiceError)) throw error;
          return listPage(request, user, actor, { status: error.kind === "forbidden" ? 403 : 400, errors: { form: error.message }, values: valuesOf(fields) });
        }
      },
      { parse: "none", signedInForm: "/settings/api-keys" },
    )
    .get(
      "/settings/api-keys/revoke",
      async function confirmApiKeyRevocation({ request, user }) {
        const query = validateForm(revokeSchema, queryOf(request));
        if (!query.ok) return errorPage({ status: 400, title: "Bad address", message: Object.values(query.errors)[0]! });
        const actor = await actorOr(user, query.value.organization);
        if (actor instanceof Response) return actor;
        const apiKey = (await services.apiKeys.listForActor(actor)).find((key) => key.id === query.value.id.toLowerCase());
        if (!apiKey) return errorPage({ status: 404, title: "API key not found", message: "There is no such active API key of yours in this organization; it may already be revoked." });
        const csrf = webAuth.csrfToken(request);
        const page = revokeApiKeyPage({ user, organization: organizationOf(user, actor), apiKey, csrfToken: csrf.token, signOutToken: signOutTokenFor(config, csrf.token) });
        return htmlResponse(page, { setCookie: csrf.setCookie });
      },
      { signedIn: true },
    )
    .post(
      "/settings/api-keys/revoke",
      async function revokeApiKey({ user, fields }) {
        const parsed = validateForm(revokeSchema, fields);
        if (!parsed.ok) return errorPage({ status: 400, title: "Bad form", message: Object.values(parsed.errors)[0]! });
        const actor = await actorOr(user, parsed.value.organization);
        if (actor instanceof Response) return actor;
        try {
          await services.apiKeys.revokeForActor(actor, parsed.value.id);
        } catch (error) {
          if (!(error instanceof ServiceError)) throw error;
          return errorPage({ status: error.kind === "forbidden" ? 403 : 404, title: "API key not revoked", message: error.message });
        }
        return seeOther(`/settings/api-keys?${new URLSearchParams({ organization: organizationOf(user, actor).slug, done: "revoked" })}`);
      },
      { parse: "none", signedInForm: "/settings/api-keys" },
    );
}
