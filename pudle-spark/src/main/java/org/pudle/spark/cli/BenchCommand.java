package org.pudle.spark.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import org.pudle.kernels.GradientKind;
import org.pudle.kernels.bench.KernelBench;
import org.pudle.spark.SparkSessions;
import org.pudle.spark.bench.SparkOverheadBench;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Benchmark the per-partition kernel and, with --spark, Spark's overhead per update.",
        "The kernel's GFLOP/s are shown next to this machine's DGEMM rate. Flops counted: the GEMMs of the forward and backward",
        "passes (about 2 p^2 b T for g_dec, 6 p^2 b T for the ae gradients); element-wise work is not counted."})
final class BenchCommand implements Callable<Integer> {

  @Option(names = "--size", defaultValue = "small,large",
      description = "small (m=50 p=100 T=200), large (m=1000 p=1500 T=100) or MxPxT, comma-separated (default ${DEFAULT-VALUE})")
  String size;

  @Option(names = "--samples", description = "samples per kernel call (default: 4096 small, 512 large)")
  Integer samples;

  @Option(names = "--reps", defaultValue = "3", description = "timed repetitions; medians are reported (default ${DEFAULT-VALUE})")
  int reps;

  @Option(names = "--kinds", defaultValue = "dec,ae-ls,ae-lasso", description = "gradient kinds (default ${DEFAULT-VALUE})")
  String kinds;

  @Option(names = "--spark", description = "also measure Spark's overhead per update (local mode unless spark-submit sets a master)")
  boolean spark;

  @Option(names = "--n", defaultValue = "100000", description = "samples of the Spark measurement (default ${DEFAULT-VALUE})")
  long n;

  @Option(names = "--updates", defaultValue = "3", description = "timed updates of the Spark measurement (default ${DEFAULT-VALUE})")
  int updates;

  @Option(names = "--no-kernel", description = "skip the kernel benchmark")
  boolean noKernel;

  @Option(names = "--support", defaultValue = "b1,fig4c,fig6s,fig6",
      description = "settings of the GEMM layers against the layers on the supports (docs/performance.md): b1, fig4c, "
          + "fig6s, fig6, or none (default ${DEFAULT-VALUE})")
  String support;

  @Option(names = "--study", description = "also measure the gradient-study kernel (m=50 p=100 T=200, the default depth grid): ms per sample by phase, every layer by GEMM vs the layers on the supports")
  boolean study;

  @Override
  public Integer call() {
    if (!noKernel) {
      List<String> args = new ArrayList<>(List.of("--size", size, "--reps", String.valueOf(reps), "--kinds", kinds));
      if (samples != null) {
        args.add("--samples");
        args.add(String.valueOf(samples));
      }
      KernelBench.main(args.toArray(new String[0]));
    }
    if (!support.equals("none")) {
      org.pudle.kernels.bench.SupportBench.run(support, reps, GradientKind.AE_LS, System.out);
    }
    if (study) {
      org.pudle.kernels.bench.StudyBench.main(new String[] {String.valueOf(samples == null ? 1024 : samples),
          String.valueOf(reps)});
    }
    if (spark) {
      try (SparkSessions.Handle session = SparkSessions.open("pudle bench")) {
        for (String kind : kinds.split(",")) {
          SparkOverheadBench.run(session.context(), 50, 100, 5, n, 200, GradientKind.parse(kind), updates, 1024,
              System.out);
        }
      }
    }
    return 0;
  }
}
