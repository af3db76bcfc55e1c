package org.pudle.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.Callable;

import org.pudle.kernels.cuda.CudaKernels;
import org.pudle.kernels.cuda.EmulatedGpu;
import org.pudle.kernels.cuda.NativeEmulation;
import org.pudle.kernels.cuda.Precision;
import org.pudle.kernels.pool.KernelPool;
import org.pudle.kernels.pool.KernelSpec;

/**
 * An emulated device installed as this JVM's CUDA backend with {@link KernelPool#installCuda}, so
 * that {@code kernels=cuda} (and {@code auto}) of every job runs the CUDA backend there, executors
 * included (local mode):
 * <ul>
 *   <li>{@link #install()}: {@link EmulatedGpu}, the device's operations as Java loops, for the
 *       whole host side of the backend ({@code UnfoldedIstaCuda}, {@code ConvUnfoldedIstaCuda},
 *       {@code CudaKernels}: layouts, chunks, workspaces, uploads) at the speed of a test;
 *   <li>{@link #installNative()}: the g++ emulation of {@code pudle_kernels.cu}
 *       ({@link NativeEmulation}: the real kernels with the launch shapes and argument lists of
 *       {@code CudaDevice}, run on the CPU; much slower), started once per JVM.
 * </ul>
 * Each test installs and removes the backend.
 */
public final class EmulatedCuda implements AutoCloseable {
  private static NativeEmulation emulation;

  private final CudaKernels fp64;
  private final CudaKernels fp32;
  private final java.util.function.LongSupplier operations;
  private final java.util.function.Supplier<List<String>> kernels;
  private final KernelPool.Installed installed;

  private EmulatedCuda(CudaKernels.DeviceFactory device, java.util.function.LongSupplier operations,
      java.util.function.Supplier<List<String>> kernels) {
    fp64 = new CudaKernels(device, Precision.DOUBLE, 0.9);
    fp32 = new CudaKernels(device, Precision.FLOAT, 0.9);
    this.operations = operations;
    this.kernels = kernels;
    installed = KernelPool.installCuda(p -> p == Precision.DOUBLE ? fp64 : fp32);
  }

  private static synchronized NativeEmulation emulation() throws IOException, InterruptedException {
    if (emulation == null) {
      emulation = NativeEmulation.start(2L << 30);
      NativeEmulation e = emulation;
      Runtime.getRuntime().addShutdownHook(new Thread(e::close));
    }
    return emulation;
  }

  /** Installs an {@link EmulatedGpu} of 1 GiB as this JVM's CUDA backend. */
  public static EmulatedCuda install() {
    EmulatedGpu gpu = new EmulatedGpu(1L << 30);
    return new EmulatedCuda(gpu, gpu::gemmCalls, List::of);
  }

  /** Installs the g++ emulation of the CUDA kernels as this JVM's CUDA backend; skips the test without g++. */
  public static EmulatedCuda installNative() throws IOException, InterruptedException {
    assumeTrue(NativeEmulation.gxxAvailable(), "g++ is not installed: the emulation of the CUDA kernels is skipped");
    NativeEmulation e = emulation();
    return new EmulatedCuda(e, e::launches, e::kernelsLaunched);
  }

  /** Operations run on the device so far: GEMMs ({@link EmulatedGpu}) or kernel launches (g++ emulation). */
  public long launches() {
    return operations.getAsLong();
  }

  /** The distinct kernels launched so far (the g++ emulation; empty for {@link EmulatedGpu}). */
  public List<String> kernelsLaunched() {
    return kernels.get();
  }

  /**
   * Runs {@code job} and checks that its kernels ran on the emulated device: kernels were
   * launched there, and nothing was lent by the CPU backend's pool (no silent fallback).
   */
  public <T> T onDevice(String what, Callable<T> job) throws Exception {
    long before = launches();
    KernelPool cpu = KernelPool.of(KernelSpec.CPU);
    long cpuLent = cpu.lent();
    T result = job.call();
    assertTrue(launches() > before, what + ": no kernel ran on the emulated CUDA device");
    assertEquals(cpuLent, cpu.lent(), what + ": a kernel ran on the CPU backend");
    return result;
  }

  /** {@code max |a - b| / max |b|}. */
  public static double maxRelative(double[] a, double[] b) {
    assertEquals(b.length, a.length);
    double num = 0;
    double den = 0;
    for (int i = 0; i < a.length; i++) {
      num = Math.max(num, Math.abs(a[i] - b[i]));
      den = Math.max(den, Math.abs(b[i]));
    }
    return den == 0 ? num : num / den;
  }

  @Override
  public void close() {
    installed.close();
    fp64.close();
    fp32.close();
  }
}
