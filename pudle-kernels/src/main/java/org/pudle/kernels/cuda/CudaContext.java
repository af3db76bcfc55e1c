package org.pudle.kernels.cuda;

import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuDeviceGetCount;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRelease;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuDeviceTotalMem;
import static jcuda.driver.JCudaDriver.cuDriverGetVersion;
import static jcuda.driver.JCudaDriver.cuInit;
import static jcuda.driver.JCudaDriver.cuMemGetInfo;
import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleLoadData;
import static jcuda.driver.JCudaDriver.cuModuleUnload;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;

/**
 * The one owner of a CUDA device's context, of the module loaded from the PTX resource
 * {@code org/pudle/kernels/cuda/pudle_kernels.ptx} (compiled from {@code pudle_kernels.cu} for a
 * virtual architecture, so the driver JIT-compiles it for the GPU at hand) and of its functions.
 * It uses the device's primary context, which every thread of the JVM can make current, and the
 * driver API only: {@code libcuda.so.1} is the one native library needed besides JCuda's.
 *
 * <p>Dense products run in cuBLAS or in the module's own GEMM kernels ({@link GemmProvider},
 * setting {@code cuda.gemm}): cuBLAS works in the context that is current when its handle is
 * made, and the runtime API it uses adopts the primary context, so cuBLAS and the driver-API
 * code share one context, its memory and its streams. {@link #gemm(GemmProvider)} resolves the
 * setting once per value and logs the choice.
 *
 * <p>Every driver status other than success becomes a {@link CudaException} naming the call.
 * {@link #shared()} opens one context per JVM (device {@code pudle.cuda.device}, default 0);
 * {@link #probe()} says whether that works and, if not, why.
 */
public final class CudaContext implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CudaContext.class);
  /** The classpath resource of the module. */
  public static final String PTX_RESOURCE = "org/pudle/kernels/cuda/pudle_kernels.ptx";

  private static final String[] FUNCTIONS = {
    "pudle_gemm_nn_", "pudle_gemm_tn_", "pudle_gemm_nt_", "pudle_splitk_reduce_", "pudle_threshold_",
    "pudle_mask_accumulate_", "pudle_add_lambda_sign_", "pudle_symmetrize_", "pudle_statistics_", "pudle_im2col_",
    "pudle_col2im_", "pudle_scale_", "pudle_mask_"
  };

  private final int ordinal;
  private final CUdevice device;
  private final CUcontext context;
  private final CUmodule module;
  private final Map<String, CUfunction> functions = new HashMap<>();
  private final String name;
  private final long totalBytes;
  private final int multiprocessors;
  private final int major;
  private final int minor;
  private final int driverVersion;
  private boolean closed;

  private CudaContext(int ordinal) {
    CudaException.check(cuInit(0), "cuInit");
    int[] count = new int[1];
    CudaException.check(cuDeviceGetCount(count), "cuDeviceGetCount");
    if (count[0] == 0) {
      throw new CudaException("cuDeviceGetCount: no CUDA device", CUresult.CUDA_ERROR_NO_DEVICE);
    }
    if (ordinal < 0 || ordinal >= count[0]) {
      throw new IllegalArgumentException("pudle.cuda.device: device " + ordinal + " does not exist; this machine has "
          + count[0] + " (0.." + (count[0] - 1) + ")");
    }
    this.ordinal = ordinal;
    device = new CUdevice();
    CudaException.check(cuDeviceGet(device, ordinal), "cuDeviceGet(" + ordinal + ")");
    byte[] nameBytes = new byte[256];
    CudaException.check(cuDeviceGetName(nameBytes, nameBytes.length, device), "cuDeviceGetName");
    int len = 0;
    while (len < nameBytes.length && nameBytes[len] != 0) {
      len++;
    }
    name = new String(nameBytes, 0, len, StandardCharsets.US_ASCII);
    long[] total = new long[1];
    CudaException.check(cuDeviceTotalMem(total, device), "cuDeviceTotalMem");
    totalBytes = total[0];
    multiprocessors = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
    major = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
    minor = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
    int[] version = new int[1];
    CudaException.check(cuDriverGetVersion(version), "cuDriverGetVersion");
    driverVersion = version[0];

    context = new CUcontext();
    CudaException.check(cuDevicePrimaryCtxRetain(context, device), "cuDevicePrimaryCtxRetain");
    boolean ok = false;
    try {
      makeCurrent();
      module = new CUmodule();
      byte[] ptx = ptx();
      int status = cuModuleLoadData(module, ptx);
      if (status != CUresult.CUDA_SUCCESS) {
        String hint = status == CUresult.CUDA_ERROR_UNSUPPORTED_PTX_VERSION
            ? " -- the driver (CUDA " + version(driverVersion) + ") is older than the nvcc that wrote the PTX ("
                + ptxCompiler(ptx) + "); update the driver"
            : "";
        throw new CudaException("cuModuleLoadData(" + PTX_RESOURCE + ")" + hint, status);
      }
      for (String f : FUNCTIONS) {
        for (Precision p : Precision.values()) {
          lookup(f + p.suffix());
        }
      }
      lookup("pudle_statistics_finish");
      ok = true;
    } finally {
      if (!ok) {
        cuDevicePrimaryCtxRelease(device);
      }
    }
  }

  private int attribute(int attr) {
    int[] v = new int[1];
    CudaException.check(cuDeviceGetAttribute(v, attr, device), "cuDeviceGetAttribute(" + attr + ")");
    return v[0];
  }

  private void lookup(String f) {
    CUfunction fn = new CUfunction();
    CudaException.check(cuModuleGetFunction(fn, module, f), "cuModuleGetFunction(" + f + ")");
    functions.put(f, fn);
  }

  /** The PTX resource, NUL-terminated as cuModuleLoadData wants it. */
  static byte[] ptx() {
    try (InputStream in = CudaContext.class.getClassLoader().getResourceAsStream(PTX_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("the PTX resource " + PTX_RESOURCE + " is not on the classpath");
      }
      byte[] body = in.readAllBytes();
      byte[] out = new byte[body.length + 1];
      System.arraycopy(body, 0, out, 0, body.length);
      return out;
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + PTX_RESOURCE + ": " + e.getMessage(), e);
    }
  }

  private static String ptxCompiler(byte[] ptx) {
    String head = new String(ptx, 0, Math.min(ptx.length, 600), StandardCharsets.US_ASCII);
    for (String line : head.split("\n")) {
      if (line.startsWith("// nvcc: ")) {
        return "nvcc " + line.substring(9).trim();
      }
    }
    return "unknown nvcc";
  }

  /** {@code 13000} as {@code 13.0}. */
  public static String version(int v) {
    return (v / 1000) + "." + (v % 1000) / 10;
  }

  /** Opens device {@code ordinal}. Prefer {@link #shared()}: one context per JVM. */
  public static CudaContext open(int ordinal) {
    return new CudaContext(ordinal);
  }

  private static volatile CudaContext sharedInstance;

  private static final class Shared {
    static final CudaContext CONTEXT;
    static final Throwable FAILURE;

    static {
      CudaContext c = null;
      Throwable failure = null;
      try {
        c = open(Integer.getInteger("pudle.cuda.device", 0));
        LOG.info("CUDA: {}", c.describe());
      } catch (Throwable t) {
        if (t instanceof VirtualMachineError && !(t instanceof OutOfMemoryError)) {
          throw (VirtualMachineError) t;
        }
        failure = t;
      }
      CONTEXT = c;
      FAILURE = failure;
      sharedInstance = c;
    }
  }

  /** Whether CUDA works in this JVM, and what it found or why not. */
  public record Availability(boolean available, String description) {}

  /** Tries once per JVM to open the shared context; never throws. */
  public static Availability probe() {
    return Shared.CONTEXT != null
        ? new Availability(true, Shared.CONTEXT.describe())
        : new Availability(false, reason(Shared.FAILURE));
  }

  /**
   * The JVM's context on device {@code pudle.cuda.device} (default 0), opened on first use and
   * kept for the life of the JVM.
   *
   * @throws IllegalStateException when there is no usable CUDA driver or device, saying why
   */
  public static CudaContext shared() {
    if (Shared.CONTEXT == null) {
      throw new IllegalStateException("no CUDA device: " + reason(Shared.FAILURE), Shared.FAILURE);
    }
    return Shared.CONTEXT;
  }

  /**
   * A one-line reason: JCuda's loader wraps the dynamic linker's message (say, that
   * {@code libcuda.so.1} is missing) in a long report; keep the line that names the cause.
   */
  static String reason(Throwable t) {
    if (t instanceof UnsatisfiedLinkError || t instanceof NoClassDefFoundError
        || t instanceof ExceptionInInitializerError) {
      String cause = null;
      for (Throwable c = t; c != null && cause == null; c = c.getCause()) {
        cause = linkerLine(c.getMessage());
        for (Throwable s : c.getSuppressed()) {
          if (cause == null) {
            cause = linkerLine(s.getMessage());
          }
        }
      }
      return "no CUDA driver: the JCuda driver library did not load"
          + (cause != null ? " (" + cause + ")" : " (" + firstLine(t.getMessage()) + ")");
    }
    if (t instanceof CudaException ce) {
      if (ce.status() == CUresult.CUDA_ERROR_NO_DEVICE) {
        return "the CUDA driver found no device (CUDA_ERROR_NO_DEVICE)";
      }
      return firstLine(ce.getMessage());
    }
    return t == null ? "unknown" : t.getClass().getSimpleName() + ": " + firstLine(t.getMessage());
  }

  private static String linkerLine(String message) {
    if (message == null) {
      return null;
    }
    for (String line : message.split("\n")) {
      String l = line.trim();
      if (l.contains("libcuda") || l.contains("cannot open shared object") || l.contains("undefined symbol")) {
        int colon = l.indexOf(".so: ");
        return colon >= 0 && l.contains("libJCudaDriver") ? l.substring(colon + 5) : l;
      }
    }
    return null;
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  /** Makes this context current on the calling thread. */
  void makeCurrent() {
    CudaException.check(cuCtxSetCurrent(context), "cuCtxSetCurrent");
  }

  /** A kernel of the module. */
  CUfunction function(String fullName) {
    CUfunction f = functions.get(fullName);
    if (f == null) {
      throw new IllegalArgumentException("no kernel " + fullName + " in " + PTX_RESOURCE);
    }
    return f;
  }

  /**
   * A new stream on this device, computing in {@code precision}, with the GEMM provider of the
   * system property {@value GemmProvider#PROPERTY} (default {@code auto}).
   */
  public Device newDevice(Precision precision) {
    return newDevice(precision, GemmProvider.fromSystemProperty());
  }

  /**
   * A new stream on this device, computing in {@code precision}, its dense products in the
   * provider {@code gemm} resolves to ({@link #gemm(GemmProvider)}).
   *
   * @throws IllegalArgumentException for {@code cublas} when cuBLAS is not usable, saying why
   */
  public Device newDevice(Precision precision, GemmProvider gemm) {
    if (!gemm(gemm).cublas()) {
      return new CudaDevice(this, precision);
    }
    CudaStreamDriver driver = new CudaStreamDriver(this);
    try {
      return new CudaDevice(driver, precision, new CublasStreamBlas(this, driver));
    } catch (RuntimeException e) {
      driver.close();
      throw e;
    }
  }

  /** Streams of this device with the GEMM provider {@code gemm} resolves to, for {@link CudaKernels}. */
  public CudaKernels.DeviceFactory devices(GemmProvider gemm) {
    GemmChoice choice = gemm(gemm);
    return new CudaKernels.DeviceFactory() {
      @Override
      public Device create(Precision precision) {
        return newDevice(precision, gemm);
      }

      @Override
      public String describe() {
        return name + ", GEMM " + (choice.cublas() ? "cuBLAS " + Cublas.version() : "own kernels");
      }
    };
  }

  private final java.util.EnumMap<GemmProvider, GemmChoice> gemmChoices = new java.util.EnumMap<>(GemmProvider.class);
  private Cublas.Availability cublasHere;

  /**
   * The GEMM provider {@code requested} resolves to on this device, resolved once per value and
   * logged: cuBLAS counts as usable when the library loads and a handle can be made in this
   * context.
   *
   * @throws IllegalArgumentException for {@code cublas} when cuBLAS is not usable, saying why
   */
  public synchronized GemmChoice gemm(GemmProvider requested) {
    GemmChoice c = gemmChoices.get(requested);
    if (c == null) {
      c = GemmChoice.resolve(requested, requested == GemmProvider.OWN ? null : cublasOnDevice());
      gemmChoices.put(requested, c);
      LOG.info("CUDA GEMMs: {} ({})", c.cublas() ? "cuBLAS " + Cublas.version() : "own kernels", c.reason());
    }
    return c;
  }

  /** Whether cuBLAS loads and makes a handle in this context (tried once). */
  public synchronized Cublas.Availability cublasOnDevice() {
    if (cublasHere == null) {
      Cublas.Availability lib = Cublas.library();
      if (lib.available()) {
        try {
          makeCurrent();
          new Cublas.Handle(0).close();
        } catch (RuntimeException e) {
          lib = new Cublas.Availability(false, "cuBLAS loaded but cannot make a handle on " + name + ": "
              + e.getMessage());
        }
      }
      cublasHere = lib;
    }
    return cublasHere;
  }

  /** {@code [free, total]} device memory in bytes. */
  public long[] memoryInfo() {
    makeCurrent();
    long[] free = new long[1];
    long[] total = new long[1];
    CudaException.check(cuMemGetInfo(free, total), "cuMemGetInfo");
    return new long[] {free[0], total[0]};
  }

  public String name() {
    return name;
  }

  public long totalBytes() {
    return totalBytes;
  }

  public int multiprocessors() {
    return multiprocessors;
  }

  /** The driver's CUDA version number ({@code cuDriverGetVersion}, 13000 for 13.0). */
  public int driverVersion() {
    return driverVersion;
  }

  /** The compute capability, for example {@code 9.0}. */
  public String computeCapability() {
    return major + "." + minor;
  }

  /** A one-line description: device, memory, SMs, compute capability, driver. */
  public String describe() {
    return String.format(Locale.ROOT, "device %d: %s, %.1f GiB, %d SMs, compute capability %s, driver CUDA %s",
        ordinal, name, totalBytes / 1073741824.0, multiprocessors, computeCapability(), version(driverVersion));
  }

  @Override
  public synchronized void close() {
    if (closed || this == sharedInstance) {
      return;
    }
    closed = true;
    makeCurrent();
    cuModuleUnload(module);
    cuDevicePrimaryCtxRelease(device);
  }
}
