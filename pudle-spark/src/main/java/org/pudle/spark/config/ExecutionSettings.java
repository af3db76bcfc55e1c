package org.pudle.spark.config;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;

import org.pudle.kernels.cuda.GemmProvider;
import org.pudle.kernels.cuda.Precision;
import org.pudle.kernels.pool.KernelSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a job spreads its work, and the kernel backend: one vocabulary for every job,
 * {@code kernels = auto | cpu | cuda} with {@code kernel.precision = double | float}.
 */
public final class ExecutionSettings {
  private static final Logger LOG = LoggerFactory.getLogger(ExecutionSettings.class);
  private static final AtomicBoolean BACKEND_WARNED = new AtomicBoolean();

  private ExecutionSettings() {}

  public static final Setting<Integer> PARTITIONS = Setting.integer("partitions", "0")
      .check(v -> v >= 0, "0 (Spark's default) or a positive count")
      .doc("RDD partitions; 0 = Spark's default parallelism (one per core in local mode), and for input files at "
          + "least one per input.split.mb of samples");
  public static final Setting<Integer> BLOCK_SIZE = Setting.integer("block.size", "1024")
      .check(v -> v >= 1, "a positive number of samples")
      .doc("samples per block handed to the kernel");
  public static final Setting<Integer> AGGREGATE_DEPTH = Setting.integer("aggregate.depth", "2")
      .check(v -> v >= 1, "a depth of at least 1")
      .doc("depth of the treeAggregate of the per-partition sums");
  public static final Setting<Double> KERNEL_SCRATCH_MB = Setting.real("kernel.scratch.mb", "256")
      .check(v -> v > 0 && !v.isInfinite(), "a positive size")
      .doc("scratch budget of one task's kernel in MiB; blocks are cut into chunks that fit");
  public static final Setting<String> KERNELS = Setting.of("kernels", "auto", ExecutionSettings::kernelsName,
      "auto, cpu or cuda")
      .doc("kernel backend: auto (CUDA when a driver and a device are present, else the CPU), cpu or cuda");
  public static final Setting<Precision> KERNEL_PRECISION = Setting.of("kernel.precision", "double",
      Precision::parse, "double or float")
      .doc("precision of the CUDA backend: double or float (the CPU backend computes in double)");
  public static final Setting<GemmProvider> CUDA_GEMM = Setting.of(GemmProvider.KEY, "auto",
      v -> GemmProvider.parse(v, GemmProvider.KEY), "auto, cublas or own")
      .doc("who multiplies the CUDA backend's dense matrices: auto (cuBLAS when the machine's libcublas.so.13 loads, "
          + "else the backend's own kernels), cublas (an error where it cannot) or own");
  public static final Setting<KernelSpec.Layers> KERNEL_LAYERS = Setting.of(KernelSpec.Layers.KEY, "auto",
      KernelSpec.Layers::parse, "auto or dense").format(KernelSpec.Layers::key)
      .doc("where the CPU backend runs the layers of the unfolded encoder: auto (on the codes' supports where its cost "
          + "model says that is faster, docs/performance.md) or dense (every layer by GEMM); the same results to "
          + "rounding");
  /** The denoiser's old name of {@link #KERNELS} and {@link #KERNEL_PRECISION}: {@code cuda:float}. */
  public static final Setting<String> BACKEND = Setting.text("backend", null)
      .withDefault(null, "(deprecated)")
      .doc("deprecated: the former name of kernels and kernel.precision (backend = cuda:float is kernels = cuda "
          + "with kernel.precision = float); still read, with a warning");

  /** The backend keys. */
  public static final List<Setting<?>> BACKEND_KEYS = List.of(KERNELS, KERNEL_PRECISION, CUDA_GEMM, KERNEL_LAYERS);

  public static final List<Setting<?>> ALL = List.of(PARTITIONS, BLOCK_SIZE, AGGREGATE_DEPTH, KERNEL_SCRATCH_MB,
      KERNELS, KERNEL_PRECISION, CUDA_GEMM, KERNEL_LAYERS);

  /**
   * A kernel backend as configured: {@code kernels}, {@code kernel.precision}, {@code cuda.gemm} and
   * {@code kernel.layers}.
   */
  public record Backend(String kernels, Precision precision, GemmProvider gemm, KernelSpec.Layers layers) {
    /** A backend whose CUDA GEMMs follow {@code cuda.gemm = auto}. */
    public Backend(String kernels, Precision precision) {
      this(kernels, precision, GemmProvider.AUTO);
    }

    /** A backend with {@code kernel.layers = auto}. */
    public Backend(String kernels, Precision precision, GemmProvider gemm) {
      this(kernels, precision, gemm, KernelSpec.Layers.AUTO);
    }

    /**
     * The backend as {@code KernelSpec.parse} reads it on the executors: {@code kernels:precision},
     * with {@code :gemm} when the provider is not {@code auto} and {@code :gemm:layers} when the
     * layers are not.
     */
    public String spec() {
      String s = kernels + ":" + precision;
      if (layers != KernelSpec.Layers.AUTO) {
        return s + ":" + gemm + ":" + layers.key();
      }
      return gemm == GemmProvider.AUTO ? s : s + ":" + gemm;
    }
  }

  /**
   * The backend of the config: {@code kernels} and {@code kernel.precision}, or the deprecated
   * {@code backend} key where {@code legacyKey} (the denoiser's), which is logged once with its
   * replacement. Both spellings at once are an error, as is {@code float} on the CPU.
   */
  public static Backend backend(Config c, boolean legacyKey) {
    String legacy = legacyKey ? c.raw(BACKEND.name()) : null;
    String kernels;
    Precision precision;
    String key = KERNEL_PRECISION.name();
    if (legacy != null) {
      if (c.isSet(KERNELS) || c.isSet(KERNEL_PRECISION)) {
        throw c.error(BACKEND.name(), "is replaced by kernels and kernel.precision; give those only, not backend "
            + "as well");
      }
      String[] parts = legacy.toLowerCase(Locale.ROOT).split(":", -1);
      try {
        if (parts.length > 2) {
          throw new IllegalArgumentException();
        }
        kernels = kernelsName(parts[0]);
        precision = parts.length == 2 ? Precision.parse(parts[1]) : Precision.DOUBLE;
      } catch (IllegalArgumentException e) {
        throw c.error(BACKEND.name(), "expected auto, cpu or cuda, optionally with :double or :float (better: kernels "
            + "and kernel.precision), got '" + legacy + "'");
      }
      key = BACKEND.name();
      if (BACKEND_WARNED.compareAndSet(false, true)) {
        LOG.warn("config key 'backend' ({}) is deprecated: write kernels = {}{} instead", c.source(BACKEND.name()),
            kernels, precision == Precision.DOUBLE ? "" : " and kernel.precision = " + precision);
      }
    } else {
      kernels = c.get(KERNELS);
      precision = c.get(KERNEL_PRECISION);
    }
    if (kernels.equals("cpu") && precision != Precision.DOUBLE) {
      throw c.error(key, "float needs kernels=cuda or auto; the CPU backend computes in double");
    }
    return new Backend(kernels, precision, c.get(CUDA_GEMM), c.get(KERNEL_LAYERS));
  }

  /** Lets the next use of the deprecated key warn again (for tests of the warning). */
  static void forgetWarnings() {
    BACKEND_WARNED.set(false);
  }

  private static String kernelsName(String v) {
    String k = v.trim().toLowerCase(Locale.ROOT);
    if (!k.equals("auto") && !k.equals("cpu") && !k.equals("cuda")) {
      throw new IllegalArgumentException();
    }
    return k;
  }
}
