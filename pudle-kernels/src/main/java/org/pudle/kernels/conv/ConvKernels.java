package org.pudle.kernels.conv;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

import org.pudle.kernels.Kernels;
import org.pudle.kernels.cuda.CudaContext;
import org.pudle.kernels.cuda.CudaKernels;
import org.pudle.kernels.cuda.Precision;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The backends of {@link ConvUnfoldedIsta}, by name, resolved where the work runs (an executor),
 * so that only the name travels with a task:
 * <ul>
 *   <li>{@code cpu}: {@link ConvUnfoldedIstaCpu} (im2col and BLAS GEMMs);
 *   <li>{@code cuda}: {@link org.pudle.kernels.cuda.ConvUnfoldedIstaCuda} on the JVM's CUDA device;
 *       without a usable driver and device, an {@link IllegalArgumentException} that says why;
 *   <li>{@code auto}: CUDA when a driver and a device are present, else the CPU; decided once per
 *       JVM and logged (the same decision as {@code kernels=auto} of the dense kernels,
 *       {@link CudaKernels#auto}).
 * </ul>
 * {@code cuda} and {@code auto} take an optional {@code :double} (the default) or {@code :float},
 * the precision on the device.
 */
public final class ConvKernels {
  private static final Logger LOG = LoggerFactory.getLogger(ConvKernels.class);
  private static final Set<Precision> LOGGED_AUTO = EnumSet.noneOf(Precision.class);

  private ConvKernels() {}

  /** The CPU backend. */
  public static final String CPU = "cpu";
  /** The CUDA backend. */
  public static final String CUDA = "cuda";
  /** CUDA where a device is present, else the CPU. */
  public static final String AUTO = "auto";

  private record Spec(String backend, Precision precision) {}

  private static Spec parse(String name) {
    if (name == null) {
      throw new IllegalArgumentException("convolution backend: expected cpu, cuda or auto, got null");
    }
    String[] parts = name.trim().toLowerCase(Locale.ROOT).split(":", -1);
    if (parts.length > 2 || !(CPU.equals(parts[0]) || CUDA.equals(parts[0]) || AUTO.equals(parts[0]))) {
      throw new IllegalArgumentException("unknown convolution backend '" + name + "': expected " + CPU + ", " + CUDA
          + " or " + AUTO + " (cuda and auto optionally with :double or :float)");
    }
    Precision precision = Precision.DOUBLE;
    if (parts.length == 2) {
      try {
        precision = Precision.parse(parts[1]);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("convolution backend '" + name + "': " + e.getMessage());
      }
      if (CPU.equals(parts[0]) && precision != Precision.DOUBLE) {
        throw new IllegalArgumentException("convolution backend '" + name + "': the CPU backend computes in double");
      }
    }
    return new Spec(parts[0], precision);
  }

  /**
   * Checks a backend name without touching CUDA (for config validation on the driver).
   *
   * @throws IllegalArgumentException for an unknown name
   */
  public static void validate(String name) {
    parse(name);
  }

  /** Whether {@code name} (a valid one) may use CUDA: {@code cuda} or {@code auto}. */
  public static boolean mayUseCuda(String name) {
    return !CPU.equals(parse(name).backend());
  }

  /**
   * Resolves backend {@code name} in this JVM as {@link #create} does and describes what it runs
   * on, for example {@code cpu (OpenBLAS ...)} or {@code cuda (NVIDIA H100 ..., FP64)}.
   *
   * @throws IllegalArgumentException as {@link #create}
   */
  public static String describe(String name) {
    Spec spec = parse(name);
    switch (spec.backend()) {
      case CPU:
        return cpuName();
      case CUDA:
        return cuda(name, spec).name();
      default: {
        Kernels chosen = CudaKernels.auto(spec.precision());
        logAuto(spec.precision(), chosen);
        return chosen instanceof CudaKernels cuda ? cuda.name() : cpuName();
      }
    }
  }

  private static String cpuName() {
    return "cpu (" + org.pudle.kernels.linalg.Blas.description() + ")";
  }

  private static CudaKernels cuda(String name, Spec spec) {
    CudaContext.Availability a = CudaKernels.availability();
    if (!a.available()) {
      throw new IllegalArgumentException("convolution backend '" + name.trim() + "': no usable CUDA device: "
          + a.description());
    }
    return CudaKernels.shared(spec.precision());
  }

  /**
   * A kernel instance of backend {@code name} for one filter bank.
   *
   * @param filters {@code k^2 x channels}, shared read-only
   * @throws IllegalArgumentException for an unknown name, or {@code cuda} without a usable CUDA
   *     driver and device (the message says why)
   */
  public static ConvUnfoldedIsta create(String name, double[] filters, int k, int stride, int channels,
      ConvEncoderParams params) {
    Spec spec = parse(name);
    switch (spec.backend()) {
      case CPU:
        return new ConvUnfoldedIstaCpu(filters, k, stride, channels, params);
      case CUDA:
        return cuda(name, spec).convUnfoldedIsta(filters, k, stride, channels, params);
      default: {
        Kernels chosen = CudaKernels.auto(spec.precision());
        logAuto(spec.precision(), chosen);
        if (chosen instanceof CudaKernels cuda) {
          return cuda.convUnfoldedIsta(filters, k, stride, channels, params);
        }
        return new ConvUnfoldedIstaCpu(filters, k, stride, channels, params);
      }
    }
  }

  private static void logAuto(Precision precision, Kernels chosen) {
    synchronized (LOGGED_AUTO) {
      if (!LOGGED_AUTO.add(precision)) {
        return;
      }
    }
    if (chosen instanceof CudaKernels cuda) {
      LOG.info("convolution backend auto: using CUDA, {}", cuda.name());
    } else {
      LOG.info("convolution backend auto: using the CPU (ConvUnfoldedIstaCpu): {}",
          CudaKernels.availability().description());
    }
  }
}
