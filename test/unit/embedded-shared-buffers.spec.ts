import { describe, expect, it } from 'vitest';
import { defaultSharedBuffersMb } from '../../src/db/embedded.js';

const GB = 2 ** 30;

describe('the embedded server’s shared_buffers', () => {
  it('is a quarter of memory, never below PostgreSQL’s own 128 MB nor above 1 GB', () => {
    expect(defaultSharedBuffersMb(0.25 * GB)).toBe(128);
    expect(defaultSharedBuffersMb(2 * GB)).toBe(512);
    expect(defaultSharedBuffersMb(3 * GB)).toBe(768);
    expect(defaultSharedBuffersMb(24 * GB)).toBe(1024);
  });
});
