/**
 * `npm run sdk:generate`: writes packages/sdk/src/openapi.ts (the API's types, by openapi-typescript)
 * from the OpenAPI document of this build, made in-process (no database needed), or from a running
 * server with `npm run sdk:generate -- http://localhost:3000`.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { openapiDocument } from '../apps/server/src/openapi-document.ts';
import { sdkTypesFrom, serverDocument } from '../packages/sdk/src/generate.ts';

const root = path.resolve(import.meta.dirname, '..');
const target = path.join(root, 'packages/sdk/src/openapi.ts');
const from = process.argv[2];
const document = from ? await serverDocument(from) : await openapiDocument();
await writeFile(target, await sdkTypesFrom(document));
console.log(`wrote ${path.relative(root, target)} from ${from ?? 'this build'}`);
