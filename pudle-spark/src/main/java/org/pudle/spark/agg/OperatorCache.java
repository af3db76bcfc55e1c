package org.pudle.spark.agg;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

import org.pudle.kernels.DictionaryOperator;

/**
 * The dictionary operators ({@code D} and {@code G = I - alpha D^T D}) of the current updates,
 * one per executor JVM, keyed by broadcast id: concurrent tasks of one update share one G
 * instead of each paying the m p^2 flops. Only the newest few entries are kept.
 */
final class OperatorCache {
  private static final int KEEP = 3;
  private static final Map<String, DictionaryOperator> CACHE = new LinkedHashMap<>();

  private OperatorCache() {}

  static DictionaryOperator get(long broadcastId, double[] d, int m, int p, double alpha) {
    String key = broadcastId + "/" + Double.doubleToLongBits(alpha);
    synchronized (CACHE) {
      DictionaryOperator op = CACHE.get(key);
      if (op != null && op.d() == d) {
        return op;
      }
    }
    // build outside the lock: another thread may race, and both results are equal
    DictionaryOperator built = DictionaryOperator.of(d, m, p, alpha);
    synchronized (CACHE) {
      DictionaryOperator op = CACHE.get(key);
      if (op != null && op.d() == d) {
        return op;
      }
      CACHE.put(key, built);
      Iterator<String> it = CACHE.keySet().iterator();
      while (CACHE.size() > KEEP && it.hasNext()) {
        it.next();
        it.remove();
      }
      return built;
    }
  }
}
