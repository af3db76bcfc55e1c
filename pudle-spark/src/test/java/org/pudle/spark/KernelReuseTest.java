package org.pudle.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.storage.StorageLevel;
import org.junit.jupiter.api.Test;
import org.pudle.kernels.DictionaryOperator;
import org.pudle.kernels.EncoderParams;
import org.pudle.kernels.GradientKind;
import org.pudle.kernels.GradientSums;
import org.pudle.kernels.UnfoldedIstaCpu;
import org.pudle.kernels.cuda.CudaKernels;
import org.pudle.kernels.cuda.EmulatedGpu;
import org.pudle.kernels.cuda.Precision;
import org.pudle.kernels.data.SignMode;
import org.pudle.kernels.data.SyntheticModel;
import org.pudle.kernels.pool.KernelPool;
import org.pudle.kernels.pool.KernelSpec;
import org.pudle.spark.data.SampleBlock;
import org.pudle.spark.data.SyntheticSource;
import org.pudle.spark.train.GradientOracle;
import org.pudle.spark.train.SparkGradientOracle;

/**
 * The trainer's executors allocate kernel scratch once, not at every update: each task borrows a
 * kernel from its executor's {@link KernelPool}, which points it at the update's dictionary and
 * keeps its scratch (and, on a device, its buffers). Measured through the pool's count of
 * allocated scratch bytes over updates with a new dictionary each.
 */
class KernelReuseTest {
  private static final EncoderParams ENC = EncoderParams.soft(6, 0.2, 0.1);

  /** Runs {@code updates} updates of g_ae-ls, each at a new dictionary; the pool's scratch after each. */
  private static long[] scratchPerUpdate(KernelPool pool, KernelSpec spec, int m, int p, int partitions, int updates,
      double[][] gradients) {
    return scratchPerUpdate(pool, spec, m, p, partitions, updates, gradients, () -> 0, new long[updates]);
  }

  /** As above; also samples {@code counter} after each update into {@code counted}. */
  private static long[] scratchPerUpdate(KernelPool pool, KernelSpec spec, int m, int p, int partitions, int updates,
      double[][] gradients, java.util.function.LongSupplier counter, long[] counted) {
    SyntheticModel model = new SyntheticModel(m, p, 2, 7, SignMode.PER_SAMPLE, 0);
    long n = 240;
    SyntheticSource source = new SyntheticSource(model, n);
    JavaRDD<SampleBlock> blocks = source.blocks(SparkTestSupport.sc(), partitions, 30)
        .persist(StorageLevel.MEMORY_ONLY());
    try {
      SparkGradientOracle oracle = new SparkGradientOracle(SparkTestSupport.sc(), blocks, m, p, GradientKind.AE_LS,
          u -> ENC.withDecay(1 - 0.01 * u), 1 << 20, 2, n, 0, 1, spec);
      double[] d = model.initialDictionary(source.generatingDictionary().orElseThrow(), 0.4);
      long[] scratch = new long[updates];
      for (int u = 0; u < updates; u++) {
        GradientOracle.Result r = oracle.gradient(d, u);
        assertEquals(n, r.sums().count());
        gradients[u] = r.sums().gradientBuffer().clone();
        scratch[u] = pool.scratchBytesAllocated();
        counted[u] = counter.getAsLong();
        double[] g = r.sums().meanGradient();
        for (int i = 0; i < d.length; i++) {
          d[i] -= 0.05 * g[i];
        }
      }
      return scratch;
    } finally {
      blocks.unpersist(false);
    }
  }

  @Test
  void onTheCpuTheScratchOfAnExecutorIsAllocatedForItsFirstTasksOnly() {
    KernelPool pool = KernelPool.of(KernelSpec.CPU);
    int updates = 6;
    // m = 9, p = 14: a shape no other test of this JVM uses, so the pool has no idle kernel for it
    long before = pool.scratchBytesAllocated();
    long created = pool.created();
    double[][] g = new double[updates][];
    long[] one = scratchPerUpdate(pool, KernelSpec.CPU, 9, 14, 1, updates, g);
    assertEquals(created + 1, pool.created(), "one partition: one kernel for every task of every update");
    assertTrue(one[0] > before, "the first update allocated the kernel's scratch");
    for (int u = 1; u < updates; u++) {
      assertEquals(one[0], one[u], "update " + (u + 1) + " allocated " + (one[u] - one[0]) + " more bytes");
    }
    long perKernel = one[0] - before;

    // four partitions on local[2]: at most two tasks at once, so at most two kernels, whatever the updates
    long created2 = pool.created();
    long before2 = pool.scratchBytesAllocated();
    double[][] g4 = new double[updates][];
    long[] four = scratchPerUpdate(pool, KernelSpec.CPU, 9, 14, 4, updates, g4);
    long made = pool.created() - created2;
    assertTrue(made <= 1, "two local task slots, and one idle kernel of this shape already: " + made + " new kernels");
    assertTrue(four[updates - 1] - before2 <= perKernel, "scratch grew by " + (four[updates - 1] - before2));

    // the pooled kernels compute what a kernel made for each update computes
    SyntheticModel model = new SyntheticModel(9, 14, 2, 7, SignMode.PER_SAMPLE, 0);
    SyntheticSource source = new SyntheticSource(model, 240);
    double[] x = new double[9 * 240];
    model.generate(source.generatingDictionary().orElseThrow(), 0, 240, x, 0, null, null);
    double[] d = model.initialDictionary(source.generatingDictionary().orElseThrow(), 0.4);
    GradientSums first = new GradientSums(9, 14);
    UnfoldedIstaCpu fresh = new UnfoldedIstaCpu(DictionaryOperator.of(d, 9, 14, 0.2), ENC, 1 << 20);
    for (int j = 0; j < 240; j += 30) {
      fresh.accumulate(GradientKind.AE_LS, x, j * 9, 30, first);
    }
    assertArrayEquals(first.gradientBuffer(), g[0], 1e-12 * org.pudle.kernels.linalg.Norms.frobenius(g[0]));
    for (int u = 0; u < updates; u++) {
      assertArrayEquals(g[u], g4[u], 1e-12 * org.pudle.kernels.linalg.Norms.frobenius(g[u]), "update " + u);
    }
  }

  @Test
  @SuppressWarnings("try")
  void onADeviceOnlyTheDictionaryOfEachUpdateIsAllocated() {
    EmulatedGpu gpu = new EmulatedGpu(256L << 20);
    try (CudaKernels backend = new CudaKernels(gpu, Precision.DOUBLE, 0.9);
        KernelPool.Installed installed = KernelPool.installCuda(p -> backend)) {
      KernelSpec cuda = KernelSpec.parse("cuda");
      KernelPool pool = KernelPool.of(cuda);
      int updates = 5;
      double[][] g = new double[updates][];
      long before = gpu.allocations();
      long[] allocations = new long[updates];
      long[] scratch = scratchPerUpdate(pool, cuda, 9, 14, 1, updates, g, gpu::allocations, allocations);
      assertEquals(1, pool.created());
      for (int u = 1; u < updates; u++) {
        assertEquals(scratch[0], scratch[u], "update " + (u + 1) + " allocated device scratch");
        // after the first update: two allocations (D and G) per update, no scratch
        assertEquals(2, allocations[u] - allocations[u - 1], "device allocations of update " + (u + 1));
      }
      assertEquals(updates, backend.dictionaryUploads(), "D and G: once per update");
      assertTrue(allocations[0] - before > 2, "the first update allocated the workspace too");
    }
  }
}
