package org.pudle.kernels.cuda;

import java.util.Locale;

/** The floating-point type the device stores and computes in. */
public enum Precision {
  /** IEEE double (the default): agrees with the CPU backend to rounding. */
  DOUBLE(8, "f64", "FP64"),
  /** IEEE single: half the memory and, on most GPUs, far more flops; about 1e-6 relative rounding. */
  FLOAT(4, "f32", "FP32");

  private final int bytes;
  private final String suffix;
  private final String label;

  Precision(int bytes, String suffix, String label) {
    this.bytes = bytes;
    this.suffix = suffix;
    this.label = label;
  }

  /** Bytes per element. */
  public int bytes() {
    return bytes;
  }

  /** The suffix of the kernel names in pudle_kernels.cu ({@code f64}, {@code f32}). */
  public String suffix() {
    return suffix;
  }

  /** {@code FP64} or {@code FP32}, for logs. */
  public String label() {
    return label;
  }

  /** Parses {@code double} or {@code float} (also {@code fp64}, {@code fp32}). */
  public static Precision parse(String s) {
    switch (s.trim().toLowerCase(Locale.ROOT)) {
      case "double":
      case "fp64":
      case "f64":
        return DOUBLE;
      case "float":
      case "fp32":
      case "f32":
        return FLOAT;
      default:
        throw new IllegalArgumentException("unknown precision '" + s + "': expected double or float");
    }
  }

  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}
