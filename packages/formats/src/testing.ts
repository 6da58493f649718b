/** Test helpers other packages' tests may use (`@cdp/formats/testing`); never imported by product code. */
export { days, fixture, hasSharedData, millis, readAll, rowObject, sharedData } from './test-support.ts';
export { buildZip, type TestZipEntry } from './zip/zip-writer.ts';
