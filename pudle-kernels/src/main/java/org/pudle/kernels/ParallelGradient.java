package org.pudle.kernels;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Gradient sums over many samples in one JVM, on several threads: the samples are cut into
 * contiguous slices, one kernel per slice, and the slices merged in order, so the result does not
 * depend on thread timing.
 */
public final class ParallelGradient {
  private ParallelGradient() {}

  /** The work of one slice: adds the sums of samples {@code [from, to)} to {@code sums}. */
  @FunctionalInterface
  public interface Slice {
    void accumulate(int from, int to, GradientSums sums);
  }

  /**
   * On the CPU backend: one {@link UnfoldedIstaCpu} per slice.
   *
   * @param x       the samples, m x cols column-major; not modified
   * @param threads at least 1; each thread runs its own kernel with one-thread BLAS in mind
   */
  public static GradientSums sum(DictionaryOperator op, EncoderParams enc, GradientKind kind, double[] x, int cols,
      int threads, long scratchBytesPerThread) {
    return sum(op.m(), op.p(), cols, threads,
        (from, to, sums) -> new UnfoldedIstaCpu(op, enc, scratchBytesPerThread).accumulate(kind, x, from * op.m(),
            to - from, sums));
  }

  /**
   * The sums of {@code cols} samples, m x p, from {@code slice} run on at most {@code threads}
   * threads, each slice with its own kernel (of any backend: the slice borrows or makes it).
   *
   * @param threads at least 1
   */
  public static GradientSums sum(int m, int p, int cols, int threads, Slice slice) {
    int slices = Math.max(1, Math.min(threads, cols));
    ExecutorService pool = Executors.newFixedThreadPool(slices, r -> {
      Thread t = new Thread(r, "pudle-gradient");
      t.setDaemon(true);
      return t;
    });
    try {
      List<Future<GradientSums>> parts = new ArrayList<>();
      for (int s = 0; s < slices; s++) {
        int from = (int) ((long) s * cols / slices);
        int to = (int) ((long) (s + 1) * cols / slices);
        parts.add(pool.submit(() -> {
          GradientSums sums = new GradientSums(m, p);
          slice.accumulate(from, to, sums);
          return sums;
        }));
      }
      GradientSums total = new GradientSums(m, p);
      for (Future<GradientSums> f : parts) {
        total.merge(f.get());
      }
      return total;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof RuntimeException) {
        throw (RuntimeException) c;
      }
      throw new IllegalStateException(c);
    } finally {
      pool.shutdownNow();
    }
  }
}
