/** Test helpers other packages' tests may use (`@cdp/formats/testing`); never imported by product code. */

export { hasSharedData, sharedData } from './test-support.ts';
export { buildZip, type TestZipEntry } from './zip/test-zip-writer.ts';
