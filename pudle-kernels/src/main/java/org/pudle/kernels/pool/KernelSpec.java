package org.pudle.kernels.pool;

import java.io.Serializable;
import java.util.Locale;

import org.pudle.kernels.UnfoldedIsta;
import org.pudle.kernels.cuda.GemmProvider;
import org.pudle.kernels.cuda.Precision;

/**
 * The one vocabulary of kernel backends, for every job and for the dense and the convolutional
 * kernels alike: a backend name, {@code auto} (CUDA where a driver and a device are present, else
 * the CPU), {@code cpu} or {@code cuda}, and the precision of the CUDA backend, {@code double}
 * (the default) or {@code float}, and who multiplies the CUDA backend's dense matrices
 * ({@link GemmProvider}: {@code auto}, {@code cublas} or {@code own}). Written {@code name},
 * {@code name:precision} or {@code name:precision:gemm}, for example {@code cuda:float} or
 * {@code cuda:double:own}; {@link #toString()} gives that form (the provider only when it is not
 * {@code auto}). Only the kernel spec travels with a task: it is resolved where the work runs, by
 * {@link KernelPool#of(KernelSpec)}.
 *
 * @param backend   which backend
 * @param precision the CUDA backend's precision; the CPU backend computes in double
 * @param gemm      the CUDA backend's GEMM provider (config key {@code cuda.gemm}); {@code auto} also
 *                  follows the JVM's {@code -Dpudle.cuda.gemm}
 * @param layers    where the CPU backend runs the unfolded layers (config key {@code kernel.layers}):
 *                  {@code auto}, on the codes' supports where its cost model says that is faster, or
 *                  {@code dense}, every layer by GEMM; written as a fourth part when not {@code auto}
 */
public record KernelSpec(Backend backend, Precision precision, GemmProvider gemm, Layers layers)
    implements Serializable {

  /** The backend names. */
  public enum Backend {
    /** CUDA where a driver and a device are present, else the CPU; decided once per JVM and logged. */
    AUTO,
    /** The CPU backend (BLAS through netlib). */
    CPU,
    /** The CUDA backend; an error where there is no usable driver and device. */
    CUDA;

    /** {@code auto}, {@code cpu} or {@code cuda}. */
    public String key() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * Where the CPU backend runs the layers of the unfolded encoder (docs/math.md#layers-on-the-supports):
   * both give the same results to rounding, so this is a speed setting (and a check).
   */
  public enum Layers {
    /** Each block chooses from its codes' density by the backend's cost model (the default). */
    AUTO,
    /** Every layer by GEMM. */
    DENSE;

    /** The config key. */
    public static final String KEY = "kernel.layers";

    /** {@code auto} or {@code dense}. */
    public String key() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** The value of {@code UnfoldedIsta.setSparseDensity} for this choice. */
    public double sparseDensity() {
      return this == DENSE ? 0 : UnfoldedIsta.COST_MODEL;
    }

    /** Parses {@code auto} or {@code dense} (any case), naming {@link #KEY} when it cannot. */
    public static Layers parse(String text) {
      String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
      for (Layers l : values()) {
        if (l.key().equals(t)) {
          return l;
        }
      }
      throw new IllegalArgumentException(KEY + ": expected auto or dense, got '" + text + "'");
    }
  }

  /** {@code cpu}: the CPU backend, double. */
  public static final KernelSpec CPU = new KernelSpec(Backend.CPU, Precision.DOUBLE);
  /** {@code auto}: CUDA in double where there is a device, else the CPU. */
  public static final KernelSpec AUTO = new KernelSpec(Backend.AUTO, Precision.DOUBLE);

  /**
   * @throws IllegalArgumentException for a null part, or {@code cpu} with {@code float}
   */
  public KernelSpec {
    if (backend == null || precision == null || gemm == null || layers == null) {
      throw new IllegalArgumentException("kernel backend: expected a backend, a precision, a GEMM provider and "
          + "layers, got " + backend + ", " + precision + ", " + gemm + ", " + layers);
    }
    if (backend == Backend.CPU && precision != Precision.DOUBLE) {
      throw new IllegalArgumentException("kernels=cpu computes in double; kernel.precision=float needs cuda or auto");
    }
  }

  /** A spec whose CUDA GEMMs are chosen by {@code cuda.gemm = auto}. */
  public KernelSpec(Backend backend, Precision precision) {
    this(backend, precision, GemmProvider.AUTO);
  }

  /** A spec with {@code kernel.layers = auto}. */
  public KernelSpec(Backend backend, Precision precision, GemmProvider gemm) {
    this(backend, precision, gemm, Layers.AUTO);
  }

  /**
   * Parses {@code auto}, {@code cpu} or {@code cuda} (any case), optionally followed by
   * {@code :double} or {@code :float}, then by {@code :auto}, {@code :cublas} or {@code :own}, and then
   * by {@code :auto} or {@code :dense} ({@link Layers}).
   *
   * @throws IllegalArgumentException naming what was wrong and what is expected
   */
  public static KernelSpec parse(String text) {
    if (text == null) {
      throw new IllegalArgumentException("kernel backend: expected cpu, cuda or auto, got null");
    }
    String[] parts = text.trim().toLowerCase(Locale.ROOT).split(":", -1);
    Backend backend = null;
    for (Backend b : Backend.values()) {
      if (b.key().equals(parts[0])) {
        backend = b;
      }
    }
    String expected = "expected cpu, cuda or auto, optionally with :double or :float, then :auto, :cublas or :own "
        + "(the GEMM provider), then :auto or :dense (kernel.layers)";
    if (parts.length > 4 || backend == null) {
      throw new IllegalArgumentException("unknown kernel backend '" + text + "': " + expected);
    }
    Layers layers = Layers.AUTO;
    if (parts.length == 4) {
      try {
        layers = Layers.parse(parts[3]);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("unknown kernel backend '" + text + "': " + e.getMessage() + "; "
            + expected);
      }
    }
    GemmProvider gemm = GemmProvider.AUTO;
    if (parts.length >= 3) {
      try {
        gemm = GemmProvider.parse(parts[2], GemmProvider.KEY);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("kernel backend '" + text + "': " + e.getMessage());
      }
    }
    Precision precision = Precision.DOUBLE;
    if (parts.length >= 2) {
      try {
        precision = Precision.parse(parts[1]);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("kernel backend '" + text + "': " + e.getMessage());
      }
      if (backend == Backend.CPU && precision != Precision.DOUBLE) {
        throw new IllegalArgumentException("kernel backend '" + text + "': the CPU backend computes in double; "
            + "float needs cuda or auto");
      }
    }
    return new KernelSpec(backend, precision, gemm, layers);
  }

  /** Whether this spec may run on CUDA: {@code cuda} or {@code auto}. */
  public boolean mayUseCuda() {
    return backend != Backend.CPU;
  }

  /**
   * {@code backend:precision}, for example {@code auto:double}, with {@code :gemm} when the
   * provider is not {@code auto} or the layers are not, and {@code :layers} when they are not
   * {@code auto}: what {@link #parse} reads back.
   */
  @Override
  public String toString() {
    String s = backend.key() + ":" + precision;
    if (layers != Layers.AUTO) {
      return s + ":" + gemm + ":" + layers.key();
    }
    return gemm == GemmProvider.AUTO ? s : s + ":" + gemm;
  }
}
