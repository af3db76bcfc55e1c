package org.pudle.spark.bench;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.Locale;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.pudle.kernels.EncoderParams;
import org.pudle.kernels.GradientKind;
import org.pudle.kernels.data.SignMode;
import org.pudle.kernels.data.SyntheticModel;
import org.pudle.kernels.pool.KernelSpec;
import org.pudle.spark.data.SampleBlock;
import org.pudle.spark.data.SyntheticSource;
import org.pudle.spark.train.GradientOracle;
import org.pudle.spark.train.SparkGradientOracle;

/**
 * Spark's own share of a training update: wall time of a distributed gradient pass against the
 * kernel time inside it. With S task slots running in parallel, the kernel's critical path is
 * about {@code kernel task-seconds / S}; the rest of the wall time is Spark overhead (scheduling,
 * broadcast, serialization, aggregation) and load imbalance.
 */
public final class SparkOverheadBench {
  private SparkOverheadBench() {}

  public static void run(JavaSparkContext sc, int m, int p, int k, long n, int T, GradientKind kind, int updates,
      int blockSize, PrintStream out) {
    SyntheticModel model = new SyntheticModel(m, p, k, 1, SignMode.PER_SAMPLE, 0);
    SyntheticSource source = new SyntheticSource(model, n);
    int slots = sc.defaultParallelism();
    JavaRDD<SampleBlock> blocks = source.blocks(sc, slots, blockSize).persist(StorageLevel.MEMORY_AND_DISK());
    blocks.setName("pudle bench samples");
    try {
      blocks.count();
      double[] d = model.initialDictionary(source.generatingDictionary().orElseThrow(), 0.55 / Math.log(m));
      EncoderParams enc = EncoderParams.soft(T, 0.2, 0.2);
      SparkGradientOracle oracle = new SparkGradientOracle(sc, blocks, m, p, kind, u -> enc, 256L << 20, 2, n, 0, 1,
          KernelSpec.CPU);
      double[] wall = new double[updates];
      double[] share = new double[updates];
      out.printf(Locale.ROOT, "Spark overhead: m=%d p=%d T=%d n=%d g_%s, %d task slots, %d partitions%n", m, p, T, n,
          kind, slots, blocks.getNumPartitions());
      for (int u = -1; u < updates; u++) {
        long t0 = System.nanoTime();
        GradientOracle.Result r = oracle.gradient(d, 0);
        double w = (System.nanoTime() - t0) * 1e-9;
        double critical = r.kernelSeconds() / slots;
        if (u >= 0) {
          wall[u] = w;
          share[u] = Math.max(0, w - critical) / w;
          out.printf(Locale.ROOT, "  update %d: %.3f s wall, kernels %.3f task-s (%.3f s per slot), overhead %.1f%%%n",
              u + 1, w, r.kernelSeconds(), critical, 100 * share[u]);
        }
      }
      Arrays.sort(wall);
      Arrays.sort(share);
      out.printf(Locale.ROOT, "  median: %.3f s per update, Spark overhead %.1f%% of the update%n",
          wall[updates / 2], 100 * share[updates / 2]);
    } finally {
      blocks.unpersist(false);
    }
  }
}
