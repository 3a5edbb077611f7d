// The package's types: the module's, and `validate`, which the entry point defines.
export * from './manifold_wasm.js';
import type { DocumentInput, Kind, Report, Failure } from './manifold_wasm.js';

/** Validates a document and reports every problem at once. */
export function validate(input: DocumentInput, kind?: Kind | null): Report | Failure;
