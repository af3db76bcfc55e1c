package org.pudle.spark.agg;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function;
import org.pudle.kernels.pool.KernelPool;
import org.pudle.kernels.pool.KernelSpec;
import org.pudle.spark.config.ConfigException;

/**
 * Resolves the kernel backend where the work runs, before a job starts: a small Spark job in
 * which each task resolves the backend's name on its executor ({@link KernelPool#describe}: the
 * choice is made once per executor JVM and logged there). With {@code kernels=cuda}, an executor
 * without a usable device makes a clear error here instead of failed tasks later.
 */
public final class KernelProbe {
  private KernelProbe() {}

  /**
   * @param backend the backend ({@link KernelSpec}: {@code cpu}, {@code cuda} or {@code auto},
   *                with an optional {@code :float})
   * @param tasks   how many tasks to spread over the executors (one per partition of the job)
   * @return the distinct {@code host: backend} lines
   * @throws ConfigException when an executor cannot run the backend
   */
  public static List<String> resolve(JavaSparkContext sc, String backend, int tasks) {
    return resolve(sc, backend, tasks, "kernels");
  }

  /**
   * As {@link #resolve(JavaSparkContext, String, int)}, with errors naming config key {@code key}
   * (the denoiser's {@code backend}).
   */
  public static List<String> resolve(JavaSparkContext sc, String backend, int tasks, String key) {
    KernelSpec spec = KernelSpec.parse(backend);
    return resolve(sc, backend, tasks, key, b -> KernelPool.describe(spec));
  }

  private static List<String> resolve(JavaSparkContext sc, String backend, int tasks, String key,
      Function<String, String> describe) {
    List<Integer> slots = new ArrayList<>();
    for (int i = 0; i < Math.max(1, tasks); i++) {
      slots.add(i);
    }
    List<String> answers = sc.parallelize(slots, slots.size()).map(i -> {
      String host;
      try {
        host = InetAddress.getLocalHost().getHostName();
      } catch (UnknownHostException e) {
        host = "unknown host";
      }
      try {
        return "ok " + host + ": " + describe.call(backend);
      } catch (IllegalArgumentException e) {
        return "error " + host + ": " + e.getMessage();
      }
    }).collect();
    TreeSet<String> distinct = new TreeSet<>(answers);
    List<String> out = new ArrayList<>();
    for (String a : distinct) {
      if (a.startsWith("error ")) {
        throw new ConfigException(key + ": executor " + a.substring(6));
      }
      out.add(a.substring(3));
    }
    return out;
  }
}
