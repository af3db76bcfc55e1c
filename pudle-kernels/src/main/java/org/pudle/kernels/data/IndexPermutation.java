package org.pudle.kernels.data;

import java.io.Serializable;

/**
 * A keyed pseudo-random permutation of {@code [0, n)} that maps one index at a time: a four-round
 * balanced Feistel network on the smallest even-bit domain that holds {@code n}, with cycle
 * walking back into range. Each executor evaluates it on its own sample indices, so mini-batches
 * are the same whatever the partitioning, and every epoch visits every sample once.
 */
public final class IndexPermutation implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final int ROUNDS = 4;

  private final long n;
  private final int halfBits;
  private final long halfMask;
  private final long[] keys = new long[ROUNDS];

  public IndexPermutation(long n, long key) {
    if (n < 1) {
      throw new IllegalArgumentException("permutation size: expected n >= 1, got " + n);
    }
    this.n = n;
    int bits = 64 - Long.numberOfLeadingZeros(Math.max(1, n - 1));
    this.halfBits = Math.max(1, (bits + 1) / 2);
    this.halfMask = (1L << halfBits) - 1;
    for (int r = 0; r < ROUNDS; r++) {
      keys[r] = Seeds.derive(key, 0x46454953L, r);
    }
  }

  public long size() {
    return n;
  }

  /** The image of {@code i} in {@code [0, n)}. */
  public long apply(long i) {
    if (i < 0 || i >= n) {
      throw new IllegalArgumentException("index " + i + " outside [0, " + n + ")");
    }
    long x = i;
    do {
      x = encrypt(x);
    } while (x >= n);
    return x;
  }

  /** The index whose image is {@code r}: the inverse permutation, {@code apply(inverse(r)) == r}. */
  public long inverse(long r) {
    if (r < 0 || r >= n) {
      throw new IllegalArgumentException("index " + r + " outside [0, " + n + ")");
    }
    // cycle walking backwards: decrypt until back in range (the forward walk's steps in reverse)
    long x = r;
    do {
      x = decrypt(x);
    } while (x >= n);
    return x;
  }

  private long decrypt(long x) {
    long left = x >>> halfBits;
    long right = x & halfMask;
    for (int r = ROUNDS - 1; r >= 0; r--) {
      long prev = right ^ (Seeds.derive(keys[r], 0, left) & halfMask);
      right = left;
      left = prev;
    }
    return (left << halfBits) | right;
  }

  private long encrypt(long x) {
    long left = x >>> halfBits;
    long right = x & halfMask;
    for (int r = 0; r < ROUNDS; r++) {
      long f = Seeds.derive(keys[r], 0, right) & halfMask;
      long next = left ^ f;
      left = right;
      right = next;
    }
    return (left << halfBits) | right;
  }
}
