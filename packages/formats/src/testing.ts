/** Test helpers other packages' tests may use (`@cdp/formats/testing`); never imported by product code. */
export { type WriteSas7bdatOptions, writeSas7bdat } from './sas7bdat/write-sas7bdat.ts';
export { days, fixture, hasSharedData, millis, readAll, rowObject, sharedData } from './test-support.ts';
export { buildZip, type TestZipEntry } from './zip/zip-writer.ts';
