// Test support for connectors (simulators, in-process servers) is exported from here.
export * from './sftp/sftp-test-server.ts';
