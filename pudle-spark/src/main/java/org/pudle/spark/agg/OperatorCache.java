package org.pudle.spark.agg;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

import java.util.function.Supplier;

import org.pudle.kernels.DictionaryOperator;
import org.pudle.kernels.FistaLasso;
import org.pudle.kernels.IhtCoding;

/**
 * Per-dictionary state that every task of one update on an executor can share: the encoder
 * operator ({@code G = I - alpha D^T D}) or a prepared lasso solver ({@code D^T D} and
 * {@code sigma_max(D)^2}). One cache per executor JVM, keyed by broadcast id and settings, so
 * concurrent tasks pay the m p^2 flops once. Only the newest few entries are kept.
 */
public final class OperatorCache {
  private static final int KEEP = 4;
  private static final Map<String, Object> CACHE = new LinkedHashMap<>();

  private OperatorCache() {}

  /**
   * The encoder operator of {@code d} (the broadcast's value) with step {@code alpha}. Tasks that
   * ask for it while it is being built join the build ({@link DictionaryOperator.Build}): each
   * computes a share of G's column blocks, instead of every task computing all of G.
   */
  public static DictionaryOperator get(long broadcastId, double[] d, int m, int p, double alpha) {
    String key = "op/" + broadcastId + "/" + Double.doubleToLongBits(alpha);
    DictionaryOperator.Build build;
    synchronized (CACHE) {
      Object hit = CACHE.get(key);
      if (hit instanceof DictionaryOperator && ((DictionaryOperator) hit).d() == d) {
        return (DictionaryOperator) hit;
      }
      if (hit instanceof DictionaryOperator.Build && ((DictionaryOperator.Build) hit).dictionary() == d) {
        build = (DictionaryOperator.Build) hit;
      } else {
        build = new DictionaryOperator.Build(d, m, p, alpha);
        put(key, build);
      }
    }
    try {
      build.work();
    } catch (RuntimeException | Error e) {
      synchronized (CACHE) {
        CACHE.remove(key, build);
      }
      throw e;
    }
    DictionaryOperator op = build.result();
    synchronized (CACHE) {
      CACHE.replace(key, build, op);
    }
    return op;
  }

  /** A lasso solver for {@code d} (the broadcast's value). */
  public static FistaLasso lasso(long broadcastId, double[] d, int m, int p, double lambda, FistaLasso.Options o) {
    return cached("lasso/" + broadcastId + "/" + Double.doubleToLongBits(lambda) + "/" + o, d,
        () -> new FistaLasso(d, m, p, lambda, o), FistaLasso::dictionary);
  }

  /** NOODL's coding for {@code d} (the broadcast's value). */
  public static IhtCoding iht(long broadcastId, double[] d, int m, int p, IhtCoding.Options o) {
    return cached("iht/" + broadcastId + "/" + o, d, () -> new IhtCoding(d, m, p, o), IhtCoding::dictionary);
  }

  @SuppressWarnings("unchecked")
  private static <T> T cached(String key, double[] d, Supplier<T> build, java.util.function.Function<T, double[]> dict) {
    synchronized (CACHE) {
      Object hit = CACHE.get(key);
      if (hit != null && dict.apply((T) hit) == d) {
        return (T) hit;
      }
    }
    // build outside the lock: another thread may race, and both results are equal
    T built = build.get();
    synchronized (CACHE) {
      Object hit = CACHE.get(key);
      if (hit != null && dict.apply((T) hit) == d) {
        return (T) hit;
      }
      put(key, built);
      return built;
    }
  }

  /** Under the lock: adds an entry and drops the oldest beyond {@link #KEEP}. */
  private static void put(String key, Object value) {
    CACHE.put(key, value);
    Iterator<String> it = CACHE.keySet().iterator();
    while (CACHE.size() > KEEP && it.hasNext()) {
      it.next();
      it.remove();
    }
  }
}
