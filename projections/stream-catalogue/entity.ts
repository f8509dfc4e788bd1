import { EntitySchema } from '@mikro-orm/postgresql';

/** A row of the stream catalogue read model (the `stream_catalogue` view of the active generation). */
export interface StreamCatalogueEntry {
  streamId: string;
  streamType: string;
  /** Number of events in the stream. */
  version: number;
  lastEventType: string;
  createdAt: Date;
  lastEventAt: Date;
}

export const StreamCatalogueEntrySchema = new EntitySchema<StreamCatalogueEntry>({
  name: 'StreamCatalogueEntry',
  tableName: 'stream_catalogue',
  readonly: true,
  properties: {
    streamId: { type: 'string', primary: true, fieldName: 'stream_id' },
    streamType: { type: 'string', fieldName: 'stream_type' },
    version: { type: 'integer' },
    lastEventType: { type: 'string', fieldName: 'last_event_type' },
    createdAt: { type: 'Date', fieldName: 'created_at' },
    lastEventAt: { type: 'Date', fieldName: 'last_event_at' },
  },
});
