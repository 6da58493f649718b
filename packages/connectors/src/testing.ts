// Test support for connectors (simulators, in-process servers): never part of the product.

export { formDatasetWriter, formGroupRows } from './rave/form-dataset.ts';
export { type ClinicalParsing, setClinicalParsing } from './rave/parse-clinical.ts';
export { mergeSettings } from './rave/pull.ts';
export { statePartsLimit } from './rave/state.ts';
export * from './sftp/sftp-test-server.ts';
export {
  type RaveFault,
  RaveSimulator,
  type RaveSimulatorOptions,
  real as realRwsResponse,
  SIM_REAL_STUDY,
  type SimCell,
  startRaveSimulator,
} from './testing/rave-simulator.ts';
