// `node --import <this file>`: every module the process imports through the ES module loader (its
// resolved URL) is appended, one a line, to the file CDP_IMPORT_LOG names. Tests read it to see
// what a process loaded; CommonJS require() inside npm packages is not listed.
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
