/** Secrets that must never reach a log line, wherever they appear. */
export const LOG_REDACT = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'password',
  '*.password',
  '*.newPassword',
  '*.currentPassword',
  '*.temporaryPassword',
  '*.accessToken',
  '*.refreshToken',
  '*.passwordHash',
  '*.jwtSecret',
  '*.secret',
  '*.secretHash',
  'adminUrl',
  'appUrl',
  'connectionString',
];

/**
 * Query parameters that carry credentials when a client (or a link) puts them in the URL:
 * `?access_token=`, `?token=`, `?key=`, `?api_key=`, `?signature=`, an OAuth `?code=`…
 */
const SECRET_PARAM = /token|secret|passw|pwd|signature|session|jwt|api_?key|auth|^(key|sig|code|otp|ticket)$/i;

/** The URL as it may be logged: values of credential-like query parameters become `[redacted]`. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q === -1) return url;
  const query = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const rawName = eq === -1 ? pair : pair.slice(0, eq);
      let name = rawName;
      try {
        name = decodeURIComponent(rawName.replace(/\+/g, ' '));
      } catch {
        // A malformed escape: judge the name as written.
      }
      return eq !== -1 && SECRET_PARAM.test(name) ? `${rawName}=[redacted]` : pair;
    })
    .join('&');
  return `${url.slice(0, q)}?${query}`;
}

/** Fastify's request serializer, with the URL redacted (Fastify merges this over its own). */
export const LOG_SERIALIZERS = {
  req(req: { method: string; url: string; host?: string; ip?: string; socket?: { remotePort?: number } }) {
    return {
      method: req.method,
      url: redactUrl(req.url),
      host: req.host,
      remoteAddress: req.ip,
      remotePort: req.socket?.remotePort,
    };
  },
};
