package org.pudle.kernels.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.pudle.kernels.DictionaryOperator;
import org.pudle.kernels.EncoderParams;
import org.pudle.kernels.GradientKind;
import org.pudle.kernels.GradientSums;
import org.pudle.kernels.UnfoldedIsta;
import org.pudle.kernels.UnfoldedIstaCpu;

/**
 * The host-side machinery of the CUDA backend on an emulated device: the dictionary is uploaded
 * once per operator, memory is returned, blocks are split when memory is short, and errors say
 * what did not fit. (The backend selection by name: {@code org.pudle.kernels.pool.KernelPoolTest}.)
 */
class CudaKernelsTest {
  private static final int M = 10;
  private static final int P = 16;

  private static double[] gaussian(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    double[] a = new double[n];
    for (int i = 0; i < n; i++) {
      a[i] = r.nextGaussian();
    }
    return a;
  }

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

  private static final EncoderParams ENC = EncoderParams.soft(12, 0.2, 0.1);

  @Test
  void uploadsEachDictionaryOnceAndFreesWhatNoLongerServes() {
    EmulatedGpu gpu = new EmulatedGpu(16L << 20);
    try (CudaKernels k = new CudaKernels(gpu, Precision.DOUBLE, 0.9)) {
      DictionaryOperator op = operator(1);
      double[] x = gaussian(M * 40, 2);
      for (int task = 0; task < 3; task++) {
        k.unfoldedIsta(op, ENC, 1).accumulate(GradientKind.AE_LS, x, 0, 40, new GradientSums(M, P));
      }
      assertEquals(1, k.dictionaryUploads(), "three tasks on one operator upload D and G once");
      for (long seed = 10; seed < 14; seed++) {
        k.unfoldedIsta(operator(seed), ENC, 1).accumulate(GradientKind.DEC, x, 0, 40, new GradientSums(M, P));
      }
      assertEquals(5, k.dictionaryUploads());
      // two dictionaries kept (2 buffers each), one workspace (main + partials + stats)
      assertEquals(2 * 2 + 3, gpu.liveBuffers(), "older dictionaries are freed when no call uses them");
    }
    assertEquals(0, gpu.liveBuffers(), "close frees every buffer");
    assertEquals(0, gpu.usedBytes());
  }

  @Test
  void splitsABlockThatDoesNotFitAndGetsTheSameSums() {
    DictionaryOperator op = operator(3);
    double[] x = gaussian(M * 300, 4);
    GradientSums whole = new GradientSums(M, P);
    CudaKernels roomy = new CudaKernels(new EmulatedGpu(64L << 20), Precision.DOUBLE, 0.9);
    UnfoldedIsta a = roomy.unfoldedIsta(op, ENC, 1);
    a.accumulate(GradientKind.AE_LASSO, x, 0, 300, whole);
    assertEquals(300, ((UnfoldedIstaCuda) a).lastChunkColumns());
    // about 1.7 KiB per column, 6.2 KiB fixed, 3.3 KiB for D and G: 40 KiB holds ~18 columns
    CudaKernels tight = new CudaKernels(new EmulatedGpu(40L << 10), Precision.DOUBLE, 1.0);
    UnfoldedIstaCuda b = (UnfoldedIstaCuda) tight.unfoldedIsta(op, ENC, 1);
    GradientSums chunked = new GradientSums(M, P);
    b.accumulate(GradientKind.AE_LASSO, x, 0, 300, chunked);
    assertTrue(b.lastChunkColumns() > 1 && b.lastChunkColumns() < 300, "chunk " + b.lastChunkColumns());
    assertArrayEquals(whole.gradientBuffer(), chunked.gradientBuffer(), 1e-12 * maxAbs(whole.gradientBuffer()));
    assertEquals(whole.meanLoss(), chunked.meanLoss(), 1e-13 * whole.meanLoss());
    assertEquals(whole.meanNonZeros(), chunked.meanNonZeros(), 0);
    GradientSums cpu = new GradientSums(M, P);
    new UnfoldedIstaCpu(op, ENC).accumulate(GradientKind.AE_LASSO, x, 0, 300, cpu);
    assertArrayEquals(cpu.gradientBuffer(), chunked.gradientBuffer(), 1e-11 * maxAbs(cpu.gradientBuffer()));
    roomy.close();
    tight.close();
  }

  private static double maxAbs(double[] a) {
    double m = 0;
    for (double v : a) {
      m = Math.max(m, Math.abs(v));
    }
    return m;
  }

  @Test
  void aDeviceTooSmallForOneColumnSaysWhatItNeeds() {
    DictionaryOperator op = operator(5);
    EmulatedGpu gpu = new EmulatedGpu(6L << 10);
    try (CudaKernels k = new CudaKernels(gpu, Precision.DOUBLE, 1.0)) {
      UnfoldedIsta u = k.unfoldedIsta(op, ENC, 1);
      DeviceOutOfMemoryException e = assertThrows(DeviceOutOfMemoryException.class,
          () -> u.accumulate(GradientKind.AE_LS, gaussian(M * 3, 6), 0, 3, new GradientSums(M, P)));
      assertTrue(e.getMessage().contains("one column of m = 10, p = 16, T = 12 needs"), e.getMessage());
      assertTrue(e.getMessage().contains("MiB are free"), e.getMessage());
    }
    assertEquals(0, gpu.liveBuffers());
  }

  @Test
  void encodeOnTheDeviceMatchesTheCpu() {
    DictionaryOperator op = operator(7);
    double[] x = gaussian(M * 50, 8);
    double[] zc = new double[P * 50];
    double[] zg = new double[P * 50];
    new UnfoldedIstaCpu(op, ENC).encode(x, 0, 50, zc, 0);
    try (CudaKernels k = new CudaKernels(new EmulatedGpu(12L << 10), Precision.DOUBLE, 1.0)) {
      UnfoldedIstaCuda u = (UnfoldedIstaCuda) k.unfoldedIsta(op, ENC, 1);
      u.encode(x, 0, 50, zg, 0);
      assertTrue(u.lastChunkColumns() < 50, "expected chunks, got " + u.lastChunkColumns());
    }
    assertArrayEquals(zc, zg, 1e-13);
  }
}
