package org.pudle.kernels.cuda;

import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;
import static jcuda.driver.JCudaDriver.cuMemsetD8Async;
import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamDestroy;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUresult;
import jcuda.driver.CUstream;

/**
 * The {@link KernelDriver} of a CUDA stream on a {@link CudaContext}, through the JCuda driver
 * API. The stream is a blocking one, so the synchronous copies are ordered after its earlier work.
 */
final class CudaStreamDriver implements KernelDriver {
  private final CudaContext ctx;
  private final CUstream stream;

  CudaStreamDriver(CudaContext ctx) {
    this.ctx = ctx;
    ctx.makeCurrent();
    stream = new CUstream();
    CudaException.check(cuStreamCreate(stream, 0), "cuStreamCreate");
  }

  private final class Mem implements Memory {
    final CUdeviceptr ptr;

    Mem(CUdeviceptr ptr) {
      this.ptr = ptr;
    }

    @Override
    public void free() {
      ctx.makeCurrent();
      CudaException.check(cuMemFree(ptr), "cuMemFree");
    }
  }

  private static CUdeviceptr at(Memory m, long byteOffset) {
    return ((Mem) m).ptr.withByteOffset(byteOffset);
  }

  /** The stream's {@code CUstream} handle, for a library that queues work on it (cuBLAS). */
  long streamAddress() {
    return NativeAddress.of(stream);
  }

  /** The device address {@code byteOffset} bytes into {@code m}. */
  long address(Memory m, long byteOffset) {
    return NativeAddress.of(((Mem) m).ptr) + byteOffset;
  }

  @Override
  public String describe() {
    return ctx.describe();
  }

  @Override
  public long freeBytes() {
    return ctx.memoryInfo()[0];
  }

  @Override
  public Memory alloc(long bytes) {
    ctx.makeCurrent();
    CUdeviceptr ptr = new CUdeviceptr();
    int status = cuMemAlloc(ptr, bytes);
    if (status == CUresult.CUDA_ERROR_OUT_OF_MEMORY) {
      throw new DeviceOutOfMemoryException(String.format("cuMemAlloc(%d bytes = %.1f MiB): out of device memory",
          bytes, bytes / 1048576.0), new CudaException("cuMemAlloc", status));
    }
    CudaException.check(status, "cuMemAlloc(" + bytes + " bytes)");
    return new Mem(ptr);
  }

  @Override
  public void copyToDevice(Memory dst, long byteOffset, double[] src, int srcOff, int n) {
    ctx.makeCurrent();
    CudaException.check(cuMemcpyHtoD(at(dst, byteOffset), Pointer.to(src).withByteOffset(8L * srcOff), 8L * n),
        "cuMemcpyHtoD(" + 8L * n + " bytes)");
  }

  @Override
  public void copyToDevice(Memory dst, long byteOffset, float[] src, int n) {
    ctx.makeCurrent();
    CudaException.check(cuMemcpyHtoD(at(dst, byteOffset), Pointer.to(src), 4L * n),
        "cuMemcpyHtoD(" + 4L * n + " bytes)");
  }

  @Override
  public void copyToHost(Memory src, long byteOffset, double[] dst, int dstOff, int n) {
    ctx.makeCurrent();
    CudaException.check(cuMemcpyDtoH(Pointer.to(dst).withByteOffset(8L * dstOff), at(src, byteOffset), 8L * n),
        "cuMemcpyDtoH(" + 8L * n + " bytes)");
  }

  @Override
  public void copyToHost(Memory src, long byteOffset, float[] dst, int n) {
    ctx.makeCurrent();
    CudaException.check(cuMemcpyDtoH(Pointer.to(dst), at(src, byteOffset), 4L * n),
        "cuMemcpyDtoH(" + 4L * n + " bytes)");
  }

  @Override
  public void zero(Memory m, long byteOffset, long bytes) {
    ctx.makeCurrent();
    CudaException.check(cuMemsetD8Async(at(m, byteOffset), (byte) 0, bytes, stream), "cuMemsetD8Async");
  }

  private static Pointer pointer(Arg a) {
    switch (a.type()) {
      case 'i':
        return Pointer.to(new int[] {(int) a.bits()});
      case 'l':
        return Pointer.to(new long[] {a.bits()});
      case 'd':
        return Pointer.to(new double[] {Double.longBitsToDouble(a.bits())});
      case 'f':
        return Pointer.to(new float[] {Float.intBitsToFloat((int) a.bits())});
      case 'p':
        return Pointer.to(a.memory() == null ? new CUdeviceptr() : at(a.memory(), a.bits()));
      default:
        throw new IllegalArgumentException("kernel argument of unknown type '" + a.type() + "'");
    }
  }

  @Override
  public void launch(String kernel, int gx, int gy, int gz, int threads, Arg... args) {
    ctx.makeCurrent();
    CUfunction f = ctx.function(kernel);
    Pointer[] ps = new Pointer[args.length];
    for (int i = 0; i < args.length; i++) {
      ps[i] = pointer(args[i]);
    }
    CudaException.check(cuLaunchKernel(f, gx, gy, gz, threads, 1, 1, 0, stream, Pointer.to(ps), null),
        "cuLaunchKernel(" + kernel + ")");
  }

  @Override
  public void synchronize() {
    ctx.makeCurrent();
    CudaException.check(cuStreamSynchronize(stream), "cuStreamSynchronize");
  }

  @Override
  public void close() {
    ctx.makeCurrent();
    CudaException.check(cuStreamDestroy(stream), "cuStreamDestroy");
  }
}
