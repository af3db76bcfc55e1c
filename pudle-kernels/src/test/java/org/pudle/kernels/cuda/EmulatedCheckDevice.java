package org.pudle.kernels.cuda;

import org.pudle.kernels.bench.CheckDevice;

/**
 * An emulated device as the device of the check ({@link org.pudle.kernels.bench.CudaCheck}), one
 * device factory per GEMM provider, so that every section of the check (its rows, providers,
 * table, time guard) runs without a GPU. The kernels and the library path themselves are tested
 * elsewhere ({@link LibraryGemmNativeEmulationTest}); here both providers may be the same fast
 * {@link EmulatedGpu}.
 */
final class EmulatedCheckDevice implements CheckDevice {
  private final CudaKernels.DeviceFactory own;
  private final CudaKernels.DeviceFactory library;
  private final long capacity;

  EmulatedCheckDevice(CudaKernels.DeviceFactory own, CudaKernels.DeviceFactory library, long capacity) {
    this.own = own;
    this.library = library;
    this.capacity = capacity;
  }

  @Override
  public String name() {
    return "emulated device";
  }

  @Override
  public long totalBytes() {
    return capacity;
  }

  @Override
  public int multiprocessors() {
    return 1;
  }

  @Override
  public String computeCapability() {
    return "emulated";
  }

  @Override
  public int driverVersion() {
    return 13000;
  }

  @Override
  public Cublas.Availability cublas() {
    return new Cublas.Availability(true, "an emulated library in place of cuBLAS");
  }

  @Override
  public GemmChoice gemm(GemmProvider requested) {
    return GemmChoice.resolve(requested, cublas());
  }

  @Override
  public CudaKernels.DeviceFactory devices(GemmProvider gemm) {
    return gemm(gemm).cublas() ? library : own;
  }

  @Override
  public Device newDevice(Precision precision, GemmProvider gemm) {
    return devices(gemm).create(precision);
  }
}
