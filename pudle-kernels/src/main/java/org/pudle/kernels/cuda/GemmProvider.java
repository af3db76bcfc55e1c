package org.pudle.kernels.cuda;

import java.util.Locale;

/**
 * Which library multiplies the dense matrices of the CUDA backend: the setting {@code cuda.gemm}
 * (system property {@value #PROPERTY}). The element-wise work (thresholds, masks, statistics,
 * im2col) always runs in the kernels of {@code pudle_kernels.cu}.
 */
public enum GemmProvider {
  /** cuBLAS when {@code libcublas.so.13} loads and works on the device, the own kernels otherwise (the default). */
  AUTO,
  /** cuBLAS, or an error saying why it cannot be used. */
  CUBLAS,
  /** The hand-written GEMM kernels of {@code pudle_kernels.cu}. */
  OWN;

  /** The setting's name in a job's configuration. */
  public static final String KEY = "cuda.gemm";
  /** The system property that sets the JVM's default: {@code -Dpudle.cuda.gemm=auto|cublas|own}. */
  public static final String PROPERTY = "pudle.cuda.gemm";

  /**
   * Parses {@code auto}, {@code cublas} or {@code own} (case and surrounding blanks ignored).
   *
   * @param source where the value comes from, for the message (a key, an option)
   */
  public static GemmProvider parse(String value, String source) {
    if (value != null) {
      switch (value.trim().toLowerCase(Locale.ROOT)) {
        case "auto":
          return AUTO;
        case "cublas":
          return CUBLAS;
        case "own":
          return OWN;
        default:
          break;
      }
    }
    throw new IllegalArgumentException(source + ": expected auto, cublas or own, got '" + value + "'");
  }

  /** The JVM's default: system property {@value #PROPERTY}, {@link #AUTO} when it is not set. */
  public static GemmProvider fromSystemProperty() {
    String v = System.getProperty(PROPERTY);
    return v == null ? AUTO : parse(v, PROPERTY);
  }

  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}
