/** Secrets that must never reach a log line, wherever they appear. */
export const LOG_REDACT = [
  'req.headers.authorization',
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
  'adminUrl',
  'appUrl',
  'connectionString',
];
