package org.pudle.kernels.cuda;

/**
 * The driver calls that {@link CudaDevice} makes for one stream: memory, copies and kernel
 * launches by name. {@link CudaStreamDriver} is the real one (the JCuda driver API on a
 * {@link CudaContext}); the tests plug in a driver that runs the same kernels of
 * {@code pudle_kernels.cu}, compiled by g++ against the host emulation of the thread grid, so that
 * {@link CudaDevice}'s launch shapes and argument lists and the kernels are exercised together
 * without a GPU.
 *
 * <p>Copies are synchronous and ordered after the stream's earlier work; launches are queued.
 */
interface KernelDriver extends AutoCloseable {

  /** Device memory of one allocation. */
  interface Memory {
    /** Frees it; called once. */
    void free();
  }

  /**
   * A kernel argument: a 32-bit int ({@code 'i'}), a 64-bit int ({@code 'l'}), a double
   * ({@code 'd'}), a float ({@code 'f'}, its value in {@code bits} as {@link Float#floatToRawIntBits}),
   * or a device pointer ({@code 'p'}: {@code memory} plus {@code bits} bytes; null memory is NULL).
   */
  record Arg(char type, long bits, Memory memory) {
    static Arg i32(int v) {
      return new Arg('i', v, null);
    }

    static Arg i64(long v) {
      return new Arg('l', v, null);
    }

    static Arg f64(double v) {
      return new Arg('d', Double.doubleToRawLongBits(v), null);
    }

    static Arg f32(float v) {
      return new Arg('f', Float.floatToRawIntBits(v) & 0xffffffffL, null);
    }

    static Arg ptr(Memory m, long byteOffset) {
      return new Arg('p', byteOffset, m);
    }
  }

  /** The device, for logs. */
  String describe();

  /** Device memory free now, in bytes. */
  long freeBytes();

  /**
   * Allocates {@code bytes} (at least 1).
   *
   * @throws DeviceOutOfMemoryException when the device has not enough memory
   */
  Memory alloc(long bytes);

  void copyToDevice(Memory dst, long byteOffset, double[] src, int srcOff, int n);

  void copyToDevice(Memory dst, long byteOffset, float[] src, int n);

  void copyToHost(Memory src, long byteOffset, double[] dst, int dstOff, int n);

  void copyToHost(Memory src, long byteOffset, float[] dst, int n);

  /** Sets {@code bytes} bytes to zero (queued on the stream). */
  void zero(Memory m, long byteOffset, long bytes);

  /** Queues {@code kernel} on a {@code gx x gy x gz} grid of one-dimensional blocks of {@code threads}. */
  void launch(String kernel, int gx, int gy, int gz, int threads, Arg... args);

  /** Waits for the stream's work. */
  void synchronize();

  /** Releases the stream (not the memory). */
  @Override
  void close();
}
