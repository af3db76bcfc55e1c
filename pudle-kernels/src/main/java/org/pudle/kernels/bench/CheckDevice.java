package org.pudle.kernels.bench;

import org.pudle.kernels.cuda.Cublas;
import org.pudle.kernels.cuda.CudaContext;
import org.pudle.kernels.cuda.CudaKernels;
import org.pudle.kernels.cuda.Device;
import org.pudle.kernels.cuda.GemmChoice;
import org.pudle.kernels.cuda.GemmProvider;
import org.pudle.kernels.cuda.Precision;

/**
 * The device {@link CudaCheck} measures: a {@link CudaContext} ({@link #of}), or in the tests an
 * emulated one, so that every section of the check runs without a GPU too.
 */
public interface CheckDevice {
  /** The device's name. */
  String name();

  /** Its memory in bytes. */
  long totalBytes();

  int multiprocessors();

  /** The compute capability, such as {@code 9.0}. */
  String computeCapability();

  /** The driver's CUDA version number ({@code 13000} for 13.0). */
  int driverVersion();

  /** Whether cuBLAS works on the device, and its version or why not. */
  Cublas.Availability cublas();

  /** What {@code requested} resolves to here (throws, saying why, for cublas without cuBLAS). */
  GemmChoice gemm(GemmProvider requested);

  /** Streams of the device with the provider {@code gemm} resolves to. */
  CudaKernels.DeviceFactory devices(GemmProvider gemm);

  /** One stream. */
  Device newDevice(Precision precision, GemmProvider gemm);

  /** The CUDA device of a context. */
  static CheckDevice of(CudaContext ctx) {
    return new CheckDevice() {
      @Override
      public String name() {
        return ctx.name();
      }

      @Override
      public long totalBytes() {
        return ctx.totalBytes();
      }

      @Override
      public int multiprocessors() {
        return ctx.multiprocessors();
      }

      @Override
      public String computeCapability() {
        return ctx.computeCapability();
      }

      @Override
      public int driverVersion() {
        return ctx.driverVersion();
      }

      @Override
      public Cublas.Availability cublas() {
        return ctx.cublasOnDevice();
      }

      @Override
      public GemmChoice gemm(GemmProvider requested) {
        return ctx.gemm(requested);
      }

      @Override
      public CudaKernels.DeviceFactory devices(GemmProvider gemm) {
        return ctx.devices(gemm);
      }

      @Override
      public Device newDevice(Precision precision, GemmProvider gemm) {
        return ctx.newDevice(precision, gemm);
      }
    };
  }
}
