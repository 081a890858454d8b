/**
 * The `signedIn` and `signedInForm` route options of the settings pages: a route that sets one gets
 * `user` (and, for a form post, the CSRF-checked `fields`) in its context, and never runs when the
 * request is answered instead (sign-in redirect, dev-user page, unreadable body, CSRF refusal).
 */
import { Elysia, status } from "elysia";
import { pathOf, signedInFormOr, signedInUserOr, type WebRouteOptions } from "./shared.ts";

/** Elysia ends a request from `resolve` only on a `status(...)`; this wraps a page already built. */
const answerWith = (response: Response) => status(response.status as 403, response);

export const signedInMacros = (options: WebRouteOptions) =>
  new Elysia().macro({
    /** The signed-in user of a GET; signing in comes back to the same path and query. */
    signedIn: {
      async resolve({ request }) {
        const user = await signedInUserOr(options, request, pathOf(request));
        return user instanceof Response ? answerWith(user) : { user };
      },
    },
    /** The user and the fields of a form post; a refused CSRF token points back to `back`. */
    signedInForm: (back: string) => ({
      async resolve({ request }) {
        const form = await signedInFormOr(options, request, back);
        return form instanceof Response ? answerWith(form) : form;
      },
    }),
  });
