package org.pudle.kernels.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class IndexPermutationTest {

  @Test
  void isABijectionForAwkwardSizes() {
    for (long n : new long[] {1, 2, 3, 5, 16, 17, 1000, 4097}) {
      IndexPermutation perm = new IndexPermutation(n, 99);
      boolean[] seen = new boolean[(int) n];
      for (long i = 0; i < n; i++) {
        long j = perm.apply(i);
        assertFalse(seen[(int) j], "n=" + n + ": " + j + " hit twice");
        seen[(int) j] = true;
      }
    }
  }

  @Test
  void inverseUndoesApplyForAwkwardSizes() {
    for (long n : new long[] {1, 2, 3, 5, 16, 17, 1000, 4097, 51200}) {
      IndexPermutation perm = new IndexPermutation(n, 7 + n);
      for (long i = 0; i < n; i++) {
        assertEquals(i, perm.inverse(perm.apply(i)), "n=" + n);
        assertEquals(i, perm.apply(perm.inverse(i)), "n=" + n);
      }
      assertThrows(IllegalArgumentException.class, () -> perm.inverse(n));
      assertThrows(IllegalArgumentException.class, () -> perm.inverse(-1));
    }
    // a large domain, sampled
    IndexPermutation big = new IndexPermutation(10_000_000_019L, 3);
    for (long i = 0; i < 10_000_000_019L; i += 7_919_311L) {
      assertEquals(i, big.inverse(big.apply(i)));
    }
  }

  @Test
  void dependsOnTheKeyAndShuffles() {
    IndexPermutation a = new IndexPermutation(1000, 1);
    IndexPermutation b = new IndexPermutation(1000, 2);
    int same = 0;
    int fixed = 0;
    for (long i = 0; i < 1000; i++) {
      same += a.apply(i) == b.apply(i) ? 1 : 0;
      fixed += a.apply(i) == i ? 1 : 0;
    }
    // a random permutation has about one fixed point and one agreement
    assertNotEquals(1000, same);
    assertEquals(0, same, 8);
    assertEquals(0, fixed, 8);
    assertThrows(IllegalArgumentException.class, () -> a.apply(1000));
  }
}
