import { automergeBackend } from '../src/cart/automerge.js';
import { referenceBackend, yjsBackend } from '../src/index.js';
import { cartConformance } from './conformance.js';

for (const backend of [yjsBackend, automergeBackend, referenceBackend]) cartConformance(backend);
