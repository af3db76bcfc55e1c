package org.pudle.spark.data;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.pudle.spark.data.FileSource.Slice;

/**
 * What each partition of a {@link FileSource} reads: the pieces of the splits that hold its
 * samples, for all samples or for a seeded sample of them ({@link FileSource#sampled}).
 */
final class InputPlan {
  private InputPlan() {}

  /**
   * What partition {@code j} reads: its samples {@code [start, end)}, from the splits that hold
   * them.
   */
  record Plan(long start, long end, List<Piece> pieces, long[] keep) implements Serializable {
    Plan(long start, long end, List<Piece> pieces) {
      this(start, end, pieces, null);
    }
  }

  /** Good samples {@code [skip, skip + take)} of a slice's split. */
  record Piece(Slice slice, long skip, long take) implements Serializable {}

  /** The plans of {@code parts} partitions of the n samples, in order. */
  static List<Plan> plan(List<Slice> slices, long n, int parts) {
    List<Plan> plans = new ArrayList<>(parts);
    for (int j = 0; j < parts; j++) {
      long start = j * n / parts;
      long end = (j + 1) * n / parts;
      plans.add(new Plan(start, end, pieces(slices, start, end)));
    }
    return plans;
  }

  /** The pieces of the slices that hold the input samples {@code [start, end)}. */
  private static List<Piece> pieces(List<Slice> slices, long start, long end) {
    List<Piece> pieces = new ArrayList<>();
    for (Slice sl : slices) {
      if (sl.offset() + sl.count() <= start || sl.offset() >= end) {
        continue;
      }
      long from = Math.max(start, sl.offset());
      long to = Math.min(end, sl.offset() + sl.count());
      pieces.add(new Piece(sl, from - sl.offset(), to - from));
    }
    return pieces;
  }

  /**
   * The plans of {@code parts} partitions of a sample: partition j holds the kept samples
   * {@code [j n / parts, (j + 1) n / parts)} (numbered in the sample) and reads the input samples
   * from the first of them to the last, keeping those in {@code keep}.
   */
  static List<Plan> planSample(List<Slice> slices, long[] kept, int parts) {
    long n = kept.length;
    List<Plan> plans = new ArrayList<>(parts);
    for (int j = 0; j < parts; j++) {
      int start = (int) (j * n / parts);
      int end = (int) ((j + 1) * n / parts);
      long[] keep = java.util.Arrays.copyOfRange(kept, start, end);
      List<Piece> pieces = end > start ? pieces(slices, keep[0], keep[keep.length - 1] + 1) : List.of();
      plans.add(new Plan(start, end, pieces, keep));
    }
    return plans;
  }


  /**
   * The samples of {@code read} (the input samples from {@code keep[0]} on, in order) whose input
   * index is in {@code keep} (ascending).
   */
  static Iterator<double[]> keeping(Iterator<double[]> read, long[] keep) {
    return new Iterator<>() {
      private long index = keep.length == 0 ? 0 : keep[0];
      private int k;

      @Override
      public boolean hasNext() {
        return k < keep.length;
      }

      @Override
      public double[] next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        while (true) {
          if (!read.hasNext()) {
            throw new IllegalStateException("the input changed while the job ran: sample " + keep[k] + " is missing");
          }
          double[] x = read.next();
          if (index++ == keep[k]) {
            k++;
            return x;
          }
        }
      }
    };
  }

}
