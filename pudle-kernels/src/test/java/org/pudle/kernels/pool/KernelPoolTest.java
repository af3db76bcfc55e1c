package org.pudle.kernels.pool;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.pudle.kernels.DictionaryOperator;
import org.pudle.kernels.EncoderParams;
import org.pudle.kernels.GradientKind;
import org.pudle.kernels.GradientSums;
import org.pudle.kernels.UnfoldedIsta;
import org.pudle.kernels.UnfoldedIstaCpu;
import org.pudle.kernels.backend.CpuKernels;
import org.pudle.kernels.conv.ConvEncoderParams;
import org.pudle.kernels.conv.ConvFilters;
import org.pudle.kernels.conv.ConvThreshold;
import org.pudle.kernels.conv.ConvUnfoldedIsta;
import org.pudle.kernels.conv.ConvUnfoldedIstaCpu;
import org.pudle.kernels.cuda.ConvUnfoldedIstaCuda;
import org.pudle.kernels.cuda.CudaContext;
import org.pudle.kernels.cuda.CudaKernels;
import org.pudle.kernels.cuda.EmulatedGpu;
import org.pudle.kernels.cuda.Precision;
import org.pudle.kernels.cuda.UnfoldedIstaCuda;

/**
 * The one entry point of the kernels: the backend vocabulary, its resolution in this JVM, and the
 * pool that lends dense and convolutional kernels and reuses them (and their scratch) across
 * updates and tasks.
 */
class KernelPoolTest {
  private static final int M = 10;
  private static final int P = 16;
  private static final EncoderParams ENC = EncoderParams.soft(6, 0.2, 0.1);
  private static final ConvEncoderParams CONV = new ConvEncoderParams(3, 0.1, 0.1, ConvThreshold.SOFT_NONNEG, 0);
  private static final double[] W = ConvFilters.random(9, 4, 1);

  private static double[] gaussian(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    double[] a = new double[n];
    for (int i = 0; i < n; i++) {
      a[i] = r.nextGaussian();
    }
    return a;
  }

  /** A dictionary with unit columns (alpha = 0.2 is a stable ISTA step for it). */
  private static DictionaryOperator operator(long seed) {
    double[] d = gaussian(M * P, seed);
    for (int j = 0; j < P; j++) {
      double s = 0;
      for (int i = 0; i < M; i++) {
        s += d[i + j * M] * d[i + j * M];
      }
      for (int i = 0; i < M; i++) {
        d[i + j * M] /= Math.sqrt(s);
      }
    }
    return DictionaryOperator.of(d, M, P, 0.2);
  }

  @Test
  void specsSpeakOneVocabularyForEveryKernel() {
    for (String ok : new String[] {"cpu", "cuda", "auto", "cuda:float", "AUTO:double", " cpu ", "auto:fp32"}) {
      KernelSpec s = KernelSpec.parse(ok);
      assertEquals(s, KernelSpec.parse(s.toString()), ok);
    }
    assertEquals("cuda:float", KernelSpec.parse("CUDA:float").toString());
    assertEquals("auto:double", KernelSpec.AUTO.toString());
    assertEquals(KernelSpec.CPU, KernelSpec.parse("cpu:double"));
    for (String bad : new String[] {"gpu", "cpu:float", "cuda:half", "", "cuda:float:own:x"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KernelSpec.parse(bad));
      assertTrue(e.getMessage().contains("cpu") || e.getMessage().contains("double"), e.getMessage());
    }
    assertTrue(assertThrows(IllegalArgumentException.class, () -> KernelSpec.parse("cuda:float:x")).getMessage()
        .contains("expected auto, cublas or own"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> KernelSpec.parse("gpu")).getMessage()
        .contains("expected cpu, cuda or auto"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new KernelSpec(KernelSpec.Backend.CPU, Precision.FLOAT));
    assertTrue(e.getMessage().contains("float needs cuda"), e.getMessage());
    assertFalse(KernelSpec.CPU.mayUseCuda());
    assertTrue(KernelSpec.AUTO.mayUseCuda());
    assertTrue(KernelSpec.parse("cuda").mayUseCuda());
  }

  @Test
  void theCpuBackendHandsOutDenseAndConvolutionalKernels() {
    KernelPool pool = KernelPool.of(KernelSpec.CPU);
    assertSame(pool, KernelPool.of("cpu:double"));
    assertSame(CpuKernels.INSTANCE, pool.kernels());
    try (KernelPool.Lease<UnfoldedIsta> dense = pool.unfoldedIsta(operator(1), ENC, 1 << 20);
        KernelPool.Lease<ConvUnfoldedIsta> conv = pool.convUnfoldedIsta(W, 9, 4, 4, CONV)) {
      assertInstanceOf(UnfoldedIstaCpu.class, dense.kernel());
      assertInstanceOf(ConvUnfoldedIstaCpu.class, conv.kernel());
    }
    assertTrue(KernelPool.describe(KernelSpec.CPU).startsWith("cpu ("), KernelPool.describe(KernelSpec.CPU));
  }

  @Test
  void kernelLayersDenseLendsKernelsThatRunEveryLayerByGemm() {
    KernelPool dense = KernelPool.of("cpu:double:auto:dense");
    assertNotSame(KernelPool.of("cpu"), dense, "one pool per layer placement");
    assertSame(dense, KernelPool.of("CPU:double:auto:DENSE"));
    double[] x = gaussian(M * 4, 5);
    for (int round = 0; round < 2; round++) {
      // the second lease reuses the first kernel
      try (KernelPool.Lease<UnfoldedIsta> d = dense.unfoldedIsta(operator(1), ENC, 1 << 20)) {
        UnfoldedIstaCpu gemm = (UnfoldedIstaCpu) d.kernel();
        gemm.forwardAll(x, 0, 4);
        assertEquals(ENC.T() + 1, gemm.sparseFromLayer(), "every layer by GEMM");
        gemm.releaseStoredCodes();
        // a forced density does not outlive the lease
        gemm.setSparseDensity(1);
      }
    }
  }

  @Test
  void withoutADeviceCudaSaysWhyAndAutoFallsBackToTheCpu() {
    CudaContext.Availability a = CudaKernels.availability();
    assumeFalse(a.available(), "this machine has a CUDA device");
    assertSame(CpuKernels.INSTANCE, KernelPool.of("auto").kernels());
    assertSame(CpuKernels.INSTANCE, KernelPool.of("auto:float").kernels());
    assertSame(KernelPool.of("cpu"), KernelPool.of("auto"), "auto shares the CPU backend's pool");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KernelPool.of("cuda"));
    assertTrue(e.getMessage().startsWith("kernels=cuda: no CUDA") && e.getMessage().contains(a.description()),
        e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> KernelPool.describe(KernelSpec.parse("cuda:float")));
    IllegalStateException s = assertThrows(IllegalStateException.class, CudaContext::shared);
    assertTrue(s.getMessage().startsWith("no CUDA device: "), s.getMessage());
  }

  @Test
  void withADeviceCudaAndAutoRunOnIt() {
    CudaContext.Availability a = CudaKernels.availability();
    assumeTrue(a.available(), "no CUDA driver or device here (" + a.description() + "): the real-GPU case is skipped");
    for (String spec : new String[] {"cuda", "auto", "cuda:float"}) {
      KernelPool pool = KernelPool.of(spec);
      try (KernelPool.Lease<UnfoldedIsta> dense = pool.unfoldedIsta(operator(1), ENC, 1 << 20);
          KernelPool.Lease<ConvUnfoldedIsta> conv = pool.convUnfoldedIsta(W, 9, 4, 4, CONV)) {
        assertInstanceOf(UnfoldedIstaCuda.class, dense.kernel());
        assertInstanceOf(ConvUnfoldedIstaCuda.class, conv.kernel());
      }
    }
  }

  @Test
  @SuppressWarnings("try")
  void anInstalledDeviceServesCudaAndAutoUntilRemoved() {
    boolean device = CudaKernels.availability().available();
    try (CudaKernels fp64 = new CudaKernels(new EmulatedGpu(64L << 20), Precision.DOUBLE, 0.9);
        CudaKernels fp32 = new CudaKernels(new EmulatedGpu(64L << 20), Precision.FLOAT, 0.9)) {
      try (KernelPool.Installed installed = KernelPool.installCuda(p -> p == Precision.DOUBLE ? fp64 : fp32)) {
        assertSame(fp64, KernelPool.of("cuda").kernels());
        assertSame(fp64, KernelPool.of("auto").kernels());
        assertSame(fp32, KernelPool.of("cuda:float").kernels());
        assertTrue(KernelPool.describe(KernelSpec.parse("cuda")).contains("emulated GPU"));
        try (KernelPool.Lease<UnfoldedIsta> dense = KernelPool.of("cuda").unfoldedIsta(operator(1), ENC, 1);
            KernelPool.Lease<ConvUnfoldedIsta> conv = KernelPool.of("cuda:float").convUnfoldedIsta(W, 9, 4, 4, CONV)) {
          assertInstanceOf(UnfoldedIstaCuda.class, dense.kernel());
          assertInstanceOf(ConvUnfoldedIstaCuda.class, conv.kernel());
          assertEquals(Precision.FLOAT, ((ConvUnfoldedIstaCuda) conv.kernel()).precision());
        }
      }
      if (!device) {
        assertThrows(IllegalArgumentException.class, () -> KernelPool.of("cuda"));
        assertSame(CpuKernels.INSTANCE, KernelPool.of("auto").kernels());
      }
    }
  }

  /** What a trainer's executor does: every update a new dictionary, the same block shapes. */
  private static void updates(KernelPool pool, int updates, long[] scratchAfter, double[][] results) {
    double[] x = gaussian(M * 70, 9);
    for (int u = 0; u < updates; u++) {
      DictionaryOperator op = operator(100 + u);
      EncoderParams enc = ENC.withDecay(1 - 0.01 * u);
      GradientSums sums = new GradientSums(M, P);
      for (int task = 0; task < 3; task++) {
        try (KernelPool.Lease<UnfoldedIsta> lease = pool.unfoldedIsta(op, enc, 1 << 20)) {
          lease.kernel().accumulate(GradientKind.AE_LS, x, task * 20 * M, 20 + 5 * task % 2, sums);
        }
      }
      scratchAfter[u] = pool.scratchBytesAllocated();
      results[u] = sums.gradientBuffer();
    }
  }

  @Test
  void kernelsAndTheirScratchAreReusedAcrossUpdatesAndTasks() {
    int n = 6;
    KernelPool pool = KernelPool.on(CpuKernels.INSTANCE);
    long[] scratch = new long[n];
    double[][] got = new double[n][];
    updates(pool, n, scratch, got);
    assertEquals(1, pool.created(), "one task at a time: one kernel");
    assertEquals(3L * n, pool.lent());
    assertTrue(scratch[0] > 0);
    for (int u = 1; u < n; u++) {
      assertEquals(scratch[0], scratch[u], "update " + (u + 1) + " allocated scratch");
    }
    // the same sums as a kernel made for each task, bit for bit
    double[] x = gaussian(M * 70, 9);
    for (int u = 0; u < n; u++) {
      DictionaryOperator op = operator(100 + u);
      GradientSums fresh = new GradientSums(M, P);
      for (int task = 0; task < 3; task++) {
        new UnfoldedIstaCpu(op, ENC.withDecay(1 - 0.01 * u), 1 << 20).accumulate(GradientKind.AE_LS, x,
            task * 20 * M, 20 + 5 * task % 2, fresh);
      }
      assertArrayEquals(fresh.gradientBuffer(), got[u], 0.0, "update " + (u + 1));
    }
  }

  @Test
  void onADeviceTheWorkspacesAndDictionariesAreReusedToo() {
    EmulatedGpu gpu = new EmulatedGpu(64L << 20);
    try (CudaKernels cuda = new CudaKernels(gpu, Precision.DOUBLE, 0.9)) {
      KernelPool pool = KernelPool.on(cuda);
      int n = 5;
      long[] scratch = new long[n];
      double[][] got = new double[n][];
      updates(pool, n, scratch, got);
      long allocations = gpu.allocations();
      updates(pool, 2, new long[2], new double[2][]);
      assertEquals(1, pool.created());
      for (int u = 1; u < n; u++) {
        assertEquals(scratch[0], scratch[u], "update " + (u + 1) + " allocated device scratch");
      }
      assertEquals(n + 2, cuda.dictionaryUploads(), "one upload of D and G per update");
      // two more updates: only their dictionaries (D and G) were allocated
      assertEquals(allocations + 4, gpu.allocations());
    }
  }

  @Test
  void concurrentTasksEachBorrowTheirOwnKernel() throws Exception {
    KernelPool pool = KernelPool.on(CpuKernels.INSTANCE);
    int tasks = 4;
    ExecutorService threads = Executors.newFixedThreadPool(tasks);
    try {
      for (int round = 0; round < 3; round++) {
        DictionaryOperator op = operator(7 + round);
        double[] x = gaussian(M * 30, 3 + round);
        CyclicBarrier together = new CyclicBarrier(tasks);
        Set<Object> held = Collections.newSetFromMap(new IdentityHashMap<>());
        List<Future<double[]>> parts = new ArrayList<>();
        for (int t = 0; t < tasks; t++) {
          parts.add(threads.submit(() -> {
            try (KernelPool.Lease<UnfoldedIsta> lease = pool.unfoldedIsta(op, ENC, 1 << 20)) {
              synchronized (held) {
                held.add(lease.kernel());
              }
              together.await(30, TimeUnit.SECONDS);
              GradientSums s = new GradientSums(M, P);
              lease.kernel().accumulate(GradientKind.AE_LASSO, x, 0, 30, s);
              together.await(30, TimeUnit.SECONDS);
              return s.gradientBuffer();
            }
          }));
        }
        GradientSums expected = new GradientSums(M, P);
        new UnfoldedIstaCpu(op, ENC, 1 << 20).accumulate(GradientKind.AE_LASSO, x, 0, 30, expected);
        for (Future<double[]> f : parts) {
          assertArrayEquals(expected.gradientBuffer(), f.get(60, TimeUnit.SECONDS), 0.0);
        }
        assertEquals(tasks, held.size(), "every concurrent task had a kernel of its own");
        assertEquals(tasks, pool.created(), "round " + (round + 1) + " reused the idle kernels");
      }
    } finally {
      threads.shutdownNow();
    }
  }

  @Test
  void convolutionalKernelsArePooledAlike() {
    KernelPool pool = KernelPool.on(CpuKernels.INSTANCE);
    double[] noisy = gaussian(40 * 40, 1);
    double[] clean = gaussian(40 * 40, 2);
    long first = -1;
    for (int u = 0; u < 4; u++) {
      double[] w = ConvFilters.random(9, 4, 10 + u);
      GradientSums pooled = new GradientSums(81, 4);
      try (KernelPool.Lease<ConvUnfoldedIsta> lease = pool.convUnfoldedIsta(w, 9, 4, 4, CONV)) {
        lease.kernel().accumulate(GradientKind.AE_LS, noisy, clean, 37, 37, pooled);
      }
      GradientSums fresh = new GradientSums(81, 4);
      new ConvUnfoldedIstaCpu(w, 9, 4, 4, CONV).accumulate(GradientKind.AE_LS, noisy, clean, 37, 37, fresh);
      assertArrayEquals(fresh.gradientBuffer(), pooled.gradientBuffer(), 0.0);
      if (first < 0) {
        first = pool.scratchBytesAllocated();
        assertTrue(first > 0);
      }
      assertEquals(first, pool.scratchBytesAllocated());
    }
    assertEquals(1, pool.created());
  }

  @Test
  void aLeaseReturnsItsKernelOnceAndManyShapesStayBounded() {
    KernelPool pool = KernelPool.on(CpuKernels.INSTANCE);
    KernelPool.Lease<UnfoldedIsta> lease = pool.unfoldedIsta(operator(1), ENC, 1 << 20);
    UnfoldedIsta k = lease.kernel();
    lease.close();
    lease.close();
    assertThrows(IllegalStateException.class, lease::kernel);
    try (KernelPool.Lease<UnfoldedIsta> again = pool.unfoldedIsta(operator(2), ENC, 1 << 20);
        KernelPool.Lease<UnfoldedIsta> second = pool.unfoldedIsta(operator(2), ENC, 1 << 20)) {
      assertSame(k, again.kernel(), "the returned kernel is lent again");
      assertNotSame(k, second.kernel(), "while it is lent, another one is made");
    }
    // a wrong alpha is refused and the kernel stays in the pool
    assertThrows(IllegalArgumentException.class, () -> pool.unfoldedIsta(operator(1), EncoderParams.soft(3, 0.1, 0.1),
        1 << 20));
    assertEquals(2, pool.created());
    // more shapes than a pool keeps: the oldest are dropped, their scratch still counted
    long before = pool.scratchBytesAllocated();
    for (int s = 0; s < KernelPool.KEEP_SHAPES + 3; s++) {
      try (KernelPool.Lease<UnfoldedIsta> l = pool.unfoldedIsta(operator(3), ENC, (1 << 20) + s)) {
        l.kernel().accumulate(GradientKind.DEC, gaussian(M * 4, s), 0, 4, new GradientSums(M, P));
      }
    }
    assertTrue(pool.scratchBytesAllocated() > before);
    long after = pool.scratchBytesAllocated();
    try (KernelPool.Lease<UnfoldedIsta> l = pool.unfoldedIsta(operator(3), ENC, 1 << 20)) {
      assertTrue(l.kernel() != null);
    }
    assertEquals(after, pool.scratchBytesAllocated());
  }
}
