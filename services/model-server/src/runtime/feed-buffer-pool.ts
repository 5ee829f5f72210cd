const MIB = 1024 * 1024;

/**
 * Buffers for session feeds, reused run after run. A 512×512×3 FP32 input is 3 MiB; allocated afresh for every
 * request it is mapped from the OS and page-faulted in, which costs about as much as writing it (glibc hands
 * out blocks over MALLOC_MMAP_THRESHOLD_ with mmap, and the image sets that threshold low to keep the RSS
 * down). A returned buffer keeps its old contents: whoever takes one must write every element.
 */
export class FeedBufferPool {
  private readonly free = new Map<number, ArrayBuffer[]>();
  private pooledBytes = 0;

  constructor(
    private readonly maxPerSize = 4,
    private readonly maxBytes = 64 * MIB,
  ) {}

  take(byteLength: number): ArrayBuffer {
    const buffer = this.free.get(byteLength)?.pop();
    if (!buffer) return new ArrayBuffer(byteLength);
    this.pooledBytes -= byteLength;
    return buffer;
  }

  /** Keeps `buffer` for a later `take` of its size, unless the pool is full (then it is left to the GC). */
  give(buffer: ArrayBuffer): void {
    const size = buffer.byteLength;
    // A detached buffer (transferred to another thread) has no bytes left to reuse.
    if (size === 0 || this.pooledBytes + size > this.maxBytes) return;
    const list = this.free.get(size) ?? [];
    if (list.length >= this.maxPerSize || list.includes(buffer)) return;
    list.push(buffer);
    this.free.set(size, list);
    this.pooledBytes += size;
  }

  get bytes(): number {
    return this.pooledBytes;
  }
}
