import os from 'node:os';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defaultSharedBuffersMb } from '../../src/db/embedded.js';

const GB = 2 ** 30;

describe('the embedded server’s shared_buffers', () => {
  afterEach(() => vi.restoreAllMocks());

  it('is a quarter of memory, never below PostgreSQL’s own 128 MB nor above 1 GB', () => {
    expect(defaultSharedBuffersMb(0.25 * GB)).toBe(128);
    expect(defaultSharedBuffersMb(2 * GB)).toBe(512);
    expect(defaultSharedBuffersMb(3 * GB)).toBe(768);
    expect(defaultSharedBuffersMb(24 * GB)).toBe(1024);
  });

  it('in a container, is a quarter of its memory limit, not of the host’s memory', () => {
    vi.spyOn(os, 'totalmem').mockReturnValue(64 * GB);
    vi.spyOn(process, 'constrainedMemory').mockReturnValue(2 * GB);
    expect(defaultSharedBuffersMb()).toBe(512);
    // No limit (0, or the cgroup's "max" as a huge number): the machine's memory.
    vi.spyOn(process, 'constrainedMemory').mockReturnValue(0);
    expect(defaultSharedBuffersMb()).toBe(1024);
    vi.spyOn(process, 'constrainedMemory').mockReturnValue(2 ** 64);
    vi.spyOn(os, 'totalmem').mockReturnValue(2 * GB);
    expect(defaultSharedBuffersMb()).toBe(512);
  });
});
