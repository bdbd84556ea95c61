package io.tunecard.metrics;

import java.util.Arrays;

/** Dense int ids for long keys (open addressing, no boxing). Not thread-safe. */
final class LongIds {
  private long[] keys = new long[1 << 12];
  private int[] ids = new int[1 << 12]; // id + 1; 0 marks an empty slot
  private int size;

  int size() {
    return size;
  }

  /** The id of {@code key}, adding it when new. */
  int id(long key) {
    int mask = keys.length - 1;
    for (int slot = mix(key) & mask; ; slot = (slot + 1) & mask) {
      int entry = ids[slot];
      if (entry == 0) {
        keys[slot] = key;
        ids[slot] = ++size;
        if (size * 2 > keys.length) {
          grow();
        }
        return size - 1;
      }
      if (keys[slot] == key) {
        return entry - 1;
      }
    }
  }

  private static int mix(long key) {
    long h = key * 0x9E3779B97F4A7C15L;
    return (int) (h ^ (h >>> 32));
  }

  private void grow() {
    long[] oldKeys = keys;
    int[] oldIds = ids;
    keys = new long[oldKeys.length * 2];
    ids = new int[oldKeys.length * 2];
    int mask = keys.length - 1;
    for (int i = 0; i < oldKeys.length; i++) {
      if (oldIds[i] != 0) {
        int slot = mix(oldKeys[i]) & mask;
        while (ids[slot] != 0) {
          slot = (slot + 1) & mask;
        }
        keys[slot] = oldKeys[i];
        ids[slot] = oldIds[i];
      }
    }
    Arrays.fill(oldIds, 0);
  }
}
