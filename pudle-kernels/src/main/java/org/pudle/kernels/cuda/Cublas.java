package org.pudle.kernels.cuda;

import static org.bytedeco.cuda.global.cublas.CUBLAS_ATOMICS_NOT_ALLOWED;
import static org.bytedeco.cuda.global.cublas.CUBLAS_DEFAULT_MATH;
import static org.bytedeco.cuda.global.cublas.CUBLAS_OP_N;
import static org.bytedeco.cuda.global.cublas.CUBLAS_OP_T;
import static org.bytedeco.cuda.global.cublas.cublasCreate_v2;
import static org.bytedeco.cuda.global.cublas.cublasDestroy_v2;
import static org.bytedeco.cuda.global.cublas.cublasDgemm_v2;
import static org.bytedeco.cuda.global.cublas.cublasGetAtomicsMode;
import static org.bytedeco.cuda.global.cublas.cublasGetMathMode;
import static org.bytedeco.cuda.global.cublas.cublasGetProperty;
import static org.bytedeco.cuda.global.cublas.cublasSetAtomicsMode;
import static org.bytedeco.cuda.global.cublas.cublasSetMathMode;
import static org.bytedeco.cuda.global.cublas.cublasSetStream_v2;
import static org.bytedeco.cuda.global.cublas.cublasSetWorkspace_v2;
import static org.bytedeco.cuda.global.cublas.cublasSgemm_v2;

import org.bytedeco.cuda.cublas.cublasContext;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;

/**
 * cuBLAS: the machine's own {@code libcublas.so.13}, through the CUDA presets of JavaCPP
 * ({@code org.bytedeco:cuda} 13.1-9.19-1.5.13: {@code libjnicudart.so} and {@code libjnicublas.so},
 * which link {@code libcudart.so.13}, {@code libcublas.so.13} and {@code libcublasLt.so.13} by
 * soname, so the dynamic linker finds them on the machine's library path). Those bindings were
 * built against CUDA 13.1 and load on 13.0: every CUDA symbol they import is bound lazily, on
 * its first call, and pudle calls none of the few that 13.0 lacks (it calls the handle, stream,
 * math-mode, version and {@code cublas[DS]gemm_v2} entry points of every CUDA 13 release).
 *
 * <p>{@link #library()} loads the library once per JVM and says whether that worked and, if
 * not, what the dynamic linker said. A {@link Handle} is one cuBLAS handle bound to one stream.
 */
public final class Cublas {
  private Cublas() {}

  /**
   * Whether cuBLAS is usable and its version, or why not.
   *
   * @param available   whether it is
   * @param description the versions ({@code cuBLAS 13.1.0, CUDA runtime 13.0}) or a one-line cause
   */
  public record Availability(boolean available, String description) {}

  private static final class Library {
    static final String VERSION;
    static final int RUNTIME_VERSION;
    static final Throwable RUNTIME_FAILURE;
    static final Throwable FAILURE;

    static {
      String version = null;
      int runtime = 0;
      Throwable runtimeFailure = null;
      Throwable failure = null;
      try {
        // the loader first: its error carries the dynamic linker's message
        Loader.load(cudart.class);
        int[] v = new int[1];
        int status = cudart.cudaRuntimeGetVersion(v);
        runtime = status == 0 ? v[0] : -status;
      } catch (Throwable t) {
        runtimeFailure = rethrowFatal(t);
      }
      if (runtimeFailure == null) {
        try {
          Loader.load(org.bytedeco.cuda.global.cublas.class);
          int[] v = new int[1];
          int[] parts = new int[3];
          for (int i = 0; i < 3; i++) {
            check(cublasGetProperty(i, v), "cublasGetProperty(" + i + ")");
            parts[i] = v[0];
          }
          version = parts[0] + "." + parts[1] + "." + parts[2];
        } catch (Throwable t) {
          failure = rethrowFatal(t);
        }
      }
      VERSION = version;
      RUNTIME_VERSION = runtime;
      RUNTIME_FAILURE = runtimeFailure;
      FAILURE = runtimeFailure != null ? runtimeFailure : failure;
    }

    private static Throwable rethrowFatal(Throwable t) {
      if (t instanceof VirtualMachineError && !(t instanceof OutOfMemoryError)) {
        throw (VirtualMachineError) t;
      }
      return t;
    }
  }

  /** Loads cuBLAS once per JVM (no device needed); never throws. */
  public static Availability library() {
    if (Library.FAILURE != null) {
      return new Availability(false, reason(Library.FAILURE));
    }
    return new Availability(true, "cuBLAS " + Library.VERSION + " (libcublas.so.13), CUDA runtime "
        + (Library.RUNTIME_VERSION > 0 ? CudaContext.version(Library.RUNTIME_VERSION)
            : "version unknown (cudaRuntimeGetVersion status " + -Library.RUNTIME_VERSION + ")"));
  }

  /** The error that kept the CUDA runtime (libjnicudart.so, libcudart.so.13) from loading, or null. */
  public static Throwable runtimeFailure() {
    library();
    return Library.RUNTIME_FAILURE;
  }

  /** The error that kept cuBLAS (or the runtime before it) from loading, whole (for the probe), or null. */
  public static Throwable loadFailure() {
    return Library.FAILURE;
  }

  /** {@code major.minor.patch} of the loaded cuBLAS, or null. */
  public static String version() {
    return Library.FAILURE == null ? Library.VERSION : null;
  }

  /** The CUDA runtime's version number ({@code 13000} for 13.0), or 0 when unknown. */
  public static int runtimeVersion() {
    return Library.RUNTIME_FAILURE == null ? Math.max(0, Library.RUNTIME_VERSION) : 0;
  }

  /**
   * A one-line cause of a load failure: the dynamic linker's message (say,
   * {@code libjnicublas.so: libcublas.so.13: cannot open shared object file}) when there is one
   * in the chain, without the folder JavaCPP extracted the JNI library to.
   */
  public static String reasonOf(Throwable t) {
    return reason(t);
  }

  static String reason(Throwable t) {
    String best = null;
    for (Throwable c = t; c != null; c = c.getCause()) {
      String line = linkerLine(c.getMessage());
      if (line != null) {
        best = line;
      }
    }
    if (best != null) {
      return best;
    }
    String msg = t.getMessage();
    return t.getClass().getSimpleName() + (msg == null ? "" : ": " + msg.split("\n", 2)[0]);
  }

  private static String linkerLine(String message) {
    if (message == null) {
      return null;
    }
    String l = message.split("\n", 2)[0].trim();
    if (!(l.contains("cannot open shared object") || l.contains("undefined symbol") || l.contains("version `")
        || l.contains("wrong ELF class"))) {
      return null;
    }
    int so = l.indexOf(".so: ");
    if (so >= 0 && l.startsWith("/")) {
      int slash = l.lastIndexOf('/', so);
      return l.substring(slash + 1);
    }
    return l;
  }

  /** The name of a {@code cublasStatus_t}. */
  static String statusName(int status) {
    switch (status) {
      case 0:
        return "CUBLAS_STATUS_SUCCESS";
      case 1:
        return "CUBLAS_STATUS_NOT_INITIALIZED";
      case 3:
        return "CUBLAS_STATUS_ALLOC_FAILED";
      case 7:
        return "CUBLAS_STATUS_INVALID_VALUE";
      case 8:
        return "CUBLAS_STATUS_ARCH_MISMATCH";
      case 11:
        return "CUBLAS_STATUS_MAPPING_ERROR";
      case 13:
        return "CUBLAS_STATUS_EXECUTION_FAILED";
      case 14:
        return "CUBLAS_STATUS_INTERNAL_ERROR";
      case 15:
        return "CUBLAS_STATUS_NOT_SUPPORTED";
      case 16:
        return "CUBLAS_STATUS_LICENSE_ERROR";
      default:
        return "cublasStatus " + status;
    }
  }

  /** Throws a {@link CublasException} when {@code status} is not success. */
  static void check(int status, String call) {
    if (status != 0) {
      throw new CublasException(call + " failed: " + statusName(status) + " (" + status + ")", status);
    }
  }

  /** A cuBLAS call that did not return {@code CUBLAS_STATUS_SUCCESS}. */
  public static final class CublasException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int status;

    CublasException(String message, int status) {
      super(message);
      this.status = status;
    }

    /** The {@code cublasStatus_t}. */
    public int status() {
      return status;
    }
  }

  /** A native address as a JavaCPP pointer, for the bindings' arguments. */
  private static final class Address extends Pointer {
    Address(long address) {
      this.address = address;
    }
  }

  /**
   * One cuBLAS handle, bound to one stream of the context that is current on the calling thread
   * when it is made (the context the driver-API code uses: cuBLAS shares it). Its products are
   * queued on that stream, in order with the kernels launched there. Settings: the default math
   * mode ({@code CUBLAS_DEFAULT_MATH}: DGEMM on the FP64 tensor cores where the GPU has them, which
   * round as IEEE double; SGEMM in FP32, no TF32, no emulation) and atomics not allowed. One handle
   * per stream, each stream used by one thread at a time, each with its own workspace
   * ({@link #setWorkspace}): cuBLAS then gives bit-wise the same results on every run on the same
   * GPU model and cuBLAS version. Scalars are passed from host
   * memory. Used by one thread at a time.
   */
  static final class Handle implements AutoCloseable {
    private final cublasContext handle = new cublasContext();
    private final DoublePointer doubles = new DoublePointer(2);
    private final FloatPointer floats = new FloatPointer(2);
    private boolean closed;

    /**
     * @param stream the {@code CUstream} (= {@code cudaStream_t}) handle; 0 for the default stream
     * @throws CublasException when cuBLAS cannot make or set up the handle
     */
    Handle(long stream) {
      Availability a = library();
      if (!a.available()) {
        throw new IllegalStateException("cuBLAS is not usable: " + a.description());
      }
      check(cublasCreate_v2(handle), "cublasCreate");
      try {
        check(cublasSetStream_v2(handle, new CUstream_st(new Address(stream))), "cublasSetStream");
        check(cublasSetMathMode(handle, CUBLAS_DEFAULT_MATH), "cublasSetMathMode(CUBLAS_DEFAULT_MATH)");
        check(cublasSetAtomicsMode(handle, CUBLAS_ATOMICS_NOT_ALLOWED), "cublasSetAtomicsMode(NOT_ALLOWED)");
      } catch (RuntimeException e) {
        cublasDestroy_v2(handle);
        doubles.close();
        floats.close();
        throw e;
      }
    }

    /**
     * Gives the handle {@code bytes} of device memory at {@code address} as its workspace, in place
     * of the pool cuBLAS would otherwise allocate on its own (call after the stream is set, which
     * resets the workspace). The memory must outlive the handle.
     */
    void setWorkspace(long address, long bytes) {
      check(cublasSetWorkspace_v2(handle, new Address(address), bytes), "cublasSetWorkspace(" + bytes + " bytes)");
    }

    /** The handle's math mode ({@code CUBLAS_DEFAULT_MATH} = 0). */
    int mathMode() {
      int[] m = new int[1];
      check(cublasGetMathMode(handle, m), "cublasGetMathMode");
      return m[0];
    }

    /** The handle's atomics mode ({@code CUBLAS_ATOMICS_NOT_ALLOWED} = 0). */
    int atomicsMode() {
      int[] m = new int[1];
      check(cublasGetAtomicsMode(handle, m), "cublasGetAtomicsMode");
      return m[0];
    }

    /**
     * {@code C = alpha op(A) op(B) + beta C} in double, column-major, on device addresses;
     * {@code C} is not read when {@code beta == 0}. Queued on the handle's stream.
     */
    void dgemm(boolean transA, boolean transB, int m, int n, int k, double alpha, long a, int lda, long b, int ldb,
        double beta, long c, int ldc) {
      doubles.put(0, alpha).put(1, beta);
      check(cublasDgemm_v2(handle, op(transA), op(transB), m, n, k, doubles, new DoublePointer(new Address(a)),
          Math.max(1, lda), new DoublePointer(new Address(b)), Math.max(1, ldb), doubles.getPointer(1),
          new DoublePointer(new Address(c)), Math.max(1, ldc)), "cublasDgemm(" + m + "x" + n + "x" + k + ")");
    }

    /** As {@link #dgemm}, in float. */
    void sgemm(boolean transA, boolean transB, int m, int n, int k, double alpha, long a, int lda, long b, int ldb,
        double beta, long c, int ldc) {
      floats.put(0, (float) alpha).put(1, (float) beta);
      check(cublasSgemm_v2(handle, op(transA), op(transB), m, n, k, floats, new FloatPointer(new Address(a)),
          Math.max(1, lda), new FloatPointer(new Address(b)), Math.max(1, ldb), floats.getPointer(1),
          new FloatPointer(new Address(c)), Math.max(1, ldc)), "cublasSgemm(" + m + "x" + n + "x" + k + ")");
    }

    private static int op(boolean trans) {
      return trans ? CUBLAS_OP_T : CUBLAS_OP_N;
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        int status = cublasDestroy_v2(handle);
        doubles.close();
        floats.close();
        check(status, "cublasDestroy");
      }
    }
  }
}
