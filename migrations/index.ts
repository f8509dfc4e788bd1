import { Migration20261123000100_event_store } from './Migration20261123000100_event_store.js';
import { Migration20261123000200_event_chain } from './Migration20261123000200_event_chain.js';
import { Migration20261202000300_workflows_and_idempotent_responses } from './Migration20261202000300_workflows_and_idempotent_responses.js';
import { Migration20261202000400_event_attribution } from './Migration20261202000400_event_attribution.js';
import { Migration20261203000500_stream_snapshots } from './Migration20261203000500_stream_snapshots.js';

/** Every migration, in order. Listed explicitly so the same list runs from tsx, vitest and dist/. */
export const migrationsList = [
  { name: 'Migration20261123000100_event_store', class: Migration20261123000100_event_store },
  { name: 'Migration20261123000200_event_chain', class: Migration20261123000200_event_chain },
  { name: 'Migration20261202000300_workflows_and_idempotent_responses', class: Migration20261202000300_workflows_and_idempotent_responses },
  { name: 'Migration20261202000400_event_attribution', class: Migration20261202000400_event_attribution },
  { name: 'Migration20261203000500_stream_snapshots', class: Migration20261203000500_stream_snapshots },
];
