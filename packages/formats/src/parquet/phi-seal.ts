import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import {
  type DuckDBConnection,
  type DuckDBDataChunk,
  DuckDBScalarFunction,
  type DuckDBScalarFunctionInfo,
  type DuckDBVector,
  VARCHAR,
} from '@duckdb/node-api';

/**
 * Encryption at rest of PHI values (issue 16 item 5). A sealed value is
 * `p1.<data key id>.<base64url(iv ‖ tag ‖ ciphertext)>`: AES-256-GCM with a random 96-bit IV per value,
 * under a study's data key, the key id bound as additional data. The server unwraps a study's data
 * key (with the master key) and registers it here only when a reader may see the study's PHI in
 * clear; DuckDB opens values through `cdp_phi_open(value)`, which every DuckDB of the process has
 * (`openDuckDb` registers it), so a query that never names the function never needs a key.
 */

const KEYS = new Map<string, Buffer>();

/** Makes a study's data key usable by `cdp_phi_open` / `cdp_phi_seal` in this process. */
export function registerPhiDataKey(id: string, key: Buffer): void {
  if (key.length !== 32) throw new Error('a PHI data key is 32 bytes');
  KEYS.set(id, key);
}

/** Drops every data key this process holds (tests, rotation). */
export function forgetPhiDataKeys(): void {
  KEYS.clear();
}

const aad = (keyId: string) => Buffer.from(`cdp-phi-value:${keyId}`);

export function sealPhiValue(keyId: string, text: string): string {
  const key = KEYS.get(keyId);
  if (!key) throw new Error(`PHI data key ${keyId} is not loaded`);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad(keyId));
  const body = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
  return `p1.${keyId}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
}

export function openPhiValue(sealed: string): string {
  const [version, keyId, payload] = sealed.split('.');
  if (version !== 'p1' || !keyId || payload === undefined) throw new Error('not a sealed PHI value');
  const key = KEYS.get(keyId);
  if (!key) throw new Error(`PHI data key ${keyId} is not loaded: the reader was not cleared for PHI`);
  const bytes = Buffer.from(payload, 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12));
  decipher.setAAD(aad(keyId));
  decipher.setAuthTag(bytes.subarray(12, 28));
  return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
}

function mapChunk(
  info: DuckDBScalarFunctionInfo,
  input: DuckDBDataChunk,
  output: DuckDBVector,
  fn: (chunk: DuckDBDataChunk, row: number) => string | null,
): void {
  try {
    for (let row = 0; row < input.rowCount; row++) output.setItem(row, fn(input, row));
    output.flush();
  } catch (error) {
    info.setError(error instanceof Error ? error.message : String(error));
  }
}

/** `cdp_phi_open(sealed)` → clear text; `cdp_phi_seal(key id, text)` → sealed (a new IV each call). */
export function registerPhiFunctions(connection: DuckDBConnection): void {
  connection.registerScalarFunction(
    DuckDBScalarFunction.create({
      name: 'cdp_phi_open',
      returnType: VARCHAR,
      parameterTypes: [VARCHAR],
      mainFunction: (info, input, output) =>
        mapChunk(info, input, output, (chunk, row) => {
          const value = chunk.getColumnVector(0).getItem(row) as string | null;
          return value === null ? null : openPhiValue(value);
        }),
    }),
  );
  connection.registerScalarFunction(
    DuckDBScalarFunction.create({
      name: 'cdp_phi_seal',
      returnType: VARCHAR,
      parameterTypes: [VARCHAR, VARCHAR],
      volatile: true,
      mainFunction: (info, input, output) =>
        mapChunk(info, input, output, (chunk, row) => {
          const keyId = chunk.getColumnVector(0).getItem(row) as string | null;
          const value = chunk.getColumnVector(1).getItem(row) as string | null;
          return value === null || keyId === null ? null : sealPhiValue(keyId, value);
        }),
    }),
  );
}
