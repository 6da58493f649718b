/** Test fixtures other packages' tests may use (`@cdp/widgets/testing`); never imported by product code. */
export * from './testing/cdisc-fixtures.ts';
