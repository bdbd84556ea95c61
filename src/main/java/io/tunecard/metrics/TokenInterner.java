package io.tunecard.metrics;

import java.util.Arrays;

/**
 * Maps token text to dense int ids (0, 1, 2, ... in order of first sight) without allocating a
 * String per token: open addressing over a shared char pool. Not thread-safe; reuse one per thread
 * and {@link #clear} it between texts when ids only need to agree within one comparison.
 */
final class TokenInterner {
  private char[] pool = new char[1 << 12];
  private int poolUsed;
  private int[] starts = new int[256];
  private int[] lengths = new int[256];
  private int[] hashes = new int[256];
  private int[] slots = new int[256];
  private int size;
  private int[] table = new int[512]; // id + 1; 0 marks an empty slot

  int size() {
    return size;
  }

  /** The id of {@code chars[off, off + len)}, adding it when new. */
  int intern(char[] chars, int off, int len) {
    int h = 1;
    for (int i = off; i < off + len; i++) {
      h = 31 * h + chars[i];
    }
    h ^= h >>> 16;
    int mask = table.length - 1;
    for (int slot = h & mask; ; slot = (slot + 1) & mask) {
      int entry = table[slot];
      if (entry == 0) {
        return add(chars, off, len, h, slot);
      }
      int id = entry - 1;
      if (hashes[id] == h && lengths[id] == len && equal(id, chars, off, len)) {
        return id;
      }
    }
  }

  /** Adds every token of {@code other} and returns the id here of each id there. */
  int[] internAll(TokenInterner other) {
    int[] map = new int[other.size];
    for (int id = 0; id < other.size; id++) {
      map[id] = intern(other.pool, other.starts[id], other.lengths[id]);
    }
    return map;
  }

  String token(int id) {
    return new String(pool, starts[id], lengths[id]);
  }

  /** Forgets every token; costs O(tokens held), not O(table size). */
  void clear() {
    for (int id = 0; id < size; id++) {
      table[slots[id]] = 0;
    }
    size = 0;
    poolUsed = 0;
  }

  private boolean equal(int id, char[] chars, int off, int len) {
    return Arrays.equals(pool, starts[id], starts[id] + len, chars, off, off + len);
  }

  private int add(char[] chars, int off, int len, int h, int slot) {
    if (poolUsed + len > pool.length) {
      pool = Arrays.copyOf(pool, Math.max(pool.length * 2, poolUsed + len));
    }
    System.arraycopy(chars, off, pool, poolUsed, len);
    if (size == starts.length) {
      starts = Arrays.copyOf(starts, size * 2);
      lengths = Arrays.copyOf(lengths, size * 2);
      hashes = Arrays.copyOf(hashes, size * 2);
      slots = Arrays.copyOf(slots, size * 2);
    }
    int id = size++;
    starts[id] = poolUsed;
    lengths[id] = len;
    hashes[id] = h;
    poolUsed += len;
    table[slot] = id + 1;
    slots[id] = slot;
    if (size * 2 > table.length) {
      rehash();
    }
    return id;
  }

  private void rehash() {
    int[] bigger = new int[table.length * 2];
    int mask = bigger.length - 1;
    for (int id = 0; id < size; id++) {
      int slot = hashes[id] & mask;
      while (bigger[slot] != 0) {
        slot = (slot + 1) & mask;
      }
      bigger[slot] = id + 1;
      slots[id] = slot;
    }
    table = bigger;
  }
}
