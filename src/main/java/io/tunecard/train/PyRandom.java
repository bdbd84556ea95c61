package io.tunecard.train;

import java.math.BigInteger;
import java.util.List;

/**
 * Python's {@code random.Random}: the Mersenne Twister (MT19937) seeded from an integer exactly as
 * CPython seeds it ({@code init_by_array} over the 32-bit words of |seed|), with {@code
 * getrandbits} and {@code shuffle}. The hf engine orders each epoch's rows with {@code
 * random.Random(seed * 1000003 + epoch).shuffle}; drawing the same numbers here gives both engines
 * the same micro-batches for the same seed.
 */
final class PyRandom {
  private static final int N = 624;
  private static final int M = 397;
  private static final int MATRIX_A = 0x9908b0df;
  private static final int UPPER = 0x80000000;
  private static final int LOWER = 0x7fffffff;

  private final int[] mt = new int[N];
  private int index = N + 1;

  /** {@code random.Random(seed)} for an integer seed (negative seeds use |seed|, as CPython). */
  PyRandom(BigInteger seed) {
    BigInteger s = seed.abs();
    int words = Math.max(1, (s.bitLength() + 31) / 32);
    int[] key = new int[words];
    for (int i = 0; i < words; i++) {
      key[i] = s.shiftRight(32 * i).intValue();
    }
    initByArray(key);
  }

  PyRandom(long seed) {
    this(BigInteger.valueOf(seed));
  }

  /** The generator of epoch {@code epoch}: {@code random.Random(seed * 1000003 + epoch)}. */
  static PyRandom forEpoch(long seed, int epoch) {
    return new PyRandom(
        BigInteger.valueOf(seed)
            .multiply(BigInteger.valueOf(1_000_003))
            .add(BigInteger.valueOf(epoch)));
  }

  private void initGenrand(int s) {
    mt[0] = s;
    for (int i = 1; i < N; i++) {
      mt[i] = 1812433253 * (mt[i - 1] ^ (mt[i - 1] >>> 30)) + i;
    }
    index = N;
  }

  private void initByArray(int[] key) {
    initGenrand(19650218);
    int i = 1;
    int j = 0;
    for (int k = Math.max(N, key.length); k > 0; k--) {
      mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >>> 30)) * 1664525)) + key[j] + j;
      i++;
      j++;
      if (i >= N) {
        mt[0] = mt[N - 1];
        i = 1;
      }
      if (j >= key.length) {
        j = 0;
      }
    }
    for (int k = N - 1; k > 0; k--) {
      mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >>> 30)) * 1566083941)) - i;
      i++;
      if (i >= N) {
        mt[0] = mt[N - 1];
        i = 1;
      }
    }
    mt[0] = UPPER;
  }

  /** The next 32 random bits, as an unsigned value. */
  long nextUint32() {
    if (index >= N) {
      for (int k = 0; k < N; k++) {
        int y = (mt[k] & UPPER) | (mt[(k + 1) % N] & LOWER);
        mt[k] = mt[(k + M) % N] ^ (y >>> 1) ^ ((y & 1) != 0 ? MATRIX_A : 0);
      }
      index = 0;
    }
    int y = mt[index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y & 0xffffffffL;
  }

  /** {@code getrandbits(k)} for 1 <= k <= 32. */
  long getrandbits(int k) {
    if (k < 1 || k > 32) {
      throw new IllegalArgumentException("k: expected 1..32, found " + k);
    }
    return nextUint32() >>> (32 - k);
  }

  /** {@code _randbelow(n)}: uniform in [0, n) by rejection sampling on bit_length(n) bits. */
  int randbelow(int n) {
    int k = 32 - Integer.numberOfLeadingZeros(n);
    long r = getrandbits(k);
    while (r >= n) {
      r = getrandbits(k);
    }
    return (int) r;
  }

  /** {@code shuffle(x)} in place, the same swaps as CPython. */
  <T> void shuffle(List<T> x) {
    for (int i = x.size() - 1; i > 0; i--) {
      int j = randbelow(i + 1);
      T t = x.get(i);
      x.set(i, x.get(j));
      x.set(j, t);
    }
  }
}
