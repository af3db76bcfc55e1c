package org.pudle.spark.data;

import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;

import scala.Tuple2;

/** The random sample of {@code input.sample}: which input samples it keeps, and keeping them. */
final class SampleSelection {
  private SampleSelection() {}

  /**
   * {@code count} of the indices {@code 0 .. n-1}, ascending, drawn without replacement by Knuth's
   * selection sampling (every subset of that size equally likely) from a generator seeded by
   * {@code seed}.
   */
  static long[] pick(long n, int count, long seed) {
    long[] pick = new long[count];
    SplittableRandom rng = new SplittableRandom(seed ^ 0x5A4D504C45L);
    int k = 0;
    for (long i = 0; i < n && k < count; i++) {
      if (rng.nextDouble() * (n - i) < count - k) {
        pick[k++] = i;
      }
    }
    return pick;
  }

  /** The samples whose index is in {@code kept} (ascending), numbered by their place in it. */
  static Iterator<Tuple2<Long, double[]>> keep(Iterator<Tuple2<Long, double[]>> samples, long[] kept) {
    return new Iterator<>() {
      private Tuple2<Long, double[]> next;

      @Override
      public boolean hasNext() {
        while (next == null && samples.hasNext()) {
          Tuple2<Long, double[]> t = samples.next();
          int at = Arrays.binarySearch(kept, t._1());
          if (at >= 0) {
            next = new Tuple2<>((long) at, t._2());
          }
        }
        return next != null;
      }

      @Override
      public Tuple2<Long, double[]> next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        Tuple2<Long, double[]> r = next;
        next = null;
        return r;
      }
    };
  }
}
