/**
 * Resource indicators (RFC 8707): the MCP URL a token is for. Clients write it as the server URL
 * they were given, so it is compared after URL normalisation (case of scheme and host, default
 * port, a trailing slash), never by prefix.
 */

function normalised(resource: string): string | null {
  if (!URL.canParse(resource)) return null;
  const url = new URL(resource);
  if (url.hash || url.search) return null;
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, "")}`;
}

/** True when two resource indicators name the same resource. */
export function sameResource(a: string, b: string): boolean {
  const left = normalised(a);
  return left !== null && left === normalised(b);
}

/** The canonical form of `requested` among `resources`, or null when it is none of them. */
export function matchResource(resources: readonly string[], requested: string): string | null {
  return resources.find((resource) => sameResource(resource, requested)) ?? null;
}
