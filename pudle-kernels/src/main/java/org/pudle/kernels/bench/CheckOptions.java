package org.pudle.kernels.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.pudle.kernels.conv.ConvEncoderParams;
import org.pudle.kernels.conv.ConvGeometry;
import org.pudle.kernels.cuda.GemmProvider;
import org.pudle.kernels.cuda.Precision;

/** The parsed arguments of {@link CudaCheck}; {@link #USAGE} lists them with their defaults. */
record CheckOptions(boolean probe, boolean requireCuda, Path out, String gemm, List<Precision> precisions, int m, int p,
    int T, int samples, int b1Samples, int reps, int cpuSamples, int studySamples, double timeLimit, boolean bench,
    boolean conv, boolean study, boolean cpu, boolean quick) {

  /** The default of {@code --time-limit}, in seconds. */
  static final int DEFAULT_TIME_LIMIT = 300;

  static final String USAGE = "usage: run [--probe] [--require-cuda] [--out DIR (check-results)] "
      + "[--gemm both|auto|own|cublas (both)] [--precisions double,float] [--size MxPxT (1000x1500x100)] "
      + "[--samples B (4096)] [--b1-samples B (65536)] [--reps R (5)] [--cpu-samples N (32)] "
      + "[--study-samples N (256)] [--time-limit SECONDS (" + DEFAULT_TIME_LIMIT + ")] [--no-bench] [--no-conv] "
      + "[--no-study] [--no-cpu] [--quick]";

  /** The options of {@code args}, or null for {@code --help}; a bad argument throws, naming it. */
  static CheckOptions parse(String[] args) {
    Map<String, String> o = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "--probe":
        case "--require-cuda":
        case "--no-bench":
        case "--no-conv":
        case "--no-study":
        case "--no-cpu":
        case "--quick":
        case "--help":
        case "-h":
          o.put(a.replaceFirst("^-+", ""), "true");
          break;
        case "--out":
        case "--gemm":
        case "--precisions":
        case "--size":
        case "--samples":
        case "--b1-samples":
        case "--reps":
        case "--cpu-samples":
        case "--study-samples":
        case "--time-limit":
          if (i + 1 >= args.length) {
            throw new IllegalArgumentException(a + " needs a value; " + USAGE);
          }
          o.put(a.substring(2), args[++i]);
          break;
        default:
          throw new IllegalArgumentException("unknown option '" + a + "'; " + USAGE);
      }
    }
    if (o.containsKey("help") || o.containsKey("h")) {
      return null;
    }
    String[] size = o.getOrDefault("size", "1000x1500x100").split("x");
    if (size.length != 3) {
      throw new IllegalArgumentException("--size: expected MxPxT, got '" + o.get("size") + "'");
    }
    int m = positive("size", size[0]);
    int p = positive("size", size[1]);
    int T = positive("size", size[2]);
    String gemm = o.getOrDefault("gemm", "both").trim().toLowerCase(Locale.ROOT);
    if (!gemm.equals("both")) {
      GemmProvider.parse(gemm, "--gemm");
    }
    List<Precision> precisions = new ArrayList<>();
    for (String s : o.getOrDefault("precisions", "double,float").split(",")) {
      precisions.add(Precision.parse(s));
    }
    double limit;
    try {
      limit = Double.parseDouble(o.getOrDefault("time-limit", String.valueOf(DEFAULT_TIME_LIMIT)));
    } catch (NumberFormatException e) {
      limit = Double.NaN;
    }
    if (!(limit > 0)) {
      throw new IllegalArgumentException("--time-limit: expected positive seconds, got '" + o.get("time-limit")
          + "'");
    }
    return new CheckOptions(o.containsKey("probe"), o.containsKey("require-cuda"),
        Path.of(o.getOrDefault("out", "check-results")), gemm, precisions, m, p, T,
        positive("samples", o.getOrDefault("samples", "4096")),
        positive("b1-samples", o.getOrDefault("b1-samples", "65536")),
        positive("reps", o.getOrDefault("reps", "5")), positive("cpu-samples", o.getOrDefault("cpu-samples", "32")),
        positive("study-samples", o.getOrDefault("study-samples", "256")), limit, !o.containsKey("no-bench"),
        !o.containsKey("no-conv"), !o.containsKey("no-study"), !o.containsKey("no-cpu"), o.containsKey("quick"));
  }

  private static int positive(String key, String v) {
    try {
      int n = Integer.parseInt(v.trim());
      if (n >= 1) {
        return n;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw new IllegalArgumentException("--" + key + ": expected a positive integer, got '" + v + "'");
  }

  /** The paper's crop, or with {@code --quick} a 25 x 25 crop with 8 filters. */
  ConvGeometry convGeometry() {
    return quick() ? new ConvGeometry(9, 4, 8, 25, 25) : Agreement.CONV_CROP;
  }

  /** Encoder {@code v} of {@link Agreement#CONV_ENCODERS}, with T = 3 under {@code --quick}. */
  ConvEncoderParams convEncoder(int v) {
    ConvEncoderParams e = Agreement.CONV_ENCODERS[v];
    return quick() ? new ConvEncoderParams(3, e.alpha(), e.lambda(), e.threshold(), e.htB()) : e;
  }
}
