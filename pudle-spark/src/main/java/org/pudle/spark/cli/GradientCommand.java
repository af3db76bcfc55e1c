package org.pudle.spark.cli;

import java.io.IOException;
import java.util.Locale;
import java.util.concurrent.Callable;

import org.apache.hadoop.conf.Configuration;
import org.pudle.kernels.DictionaryOperator;
import org.pudle.kernels.EncoderParams;
import org.pudle.kernels.GradientKind;
import org.pudle.kernels.GradientSums;
import org.pudle.kernels.ParallelGradient;
import org.pudle.kernels.ThresholdKind;
import org.pudle.kernels.UnfoldedIsta;
import org.pudle.kernels.io.Npy;
import org.pudle.kernels.linalg.Norms;
import org.pudle.kernels.pool.KernelPool;
import org.pudle.kernels.pool.KernelSpec;
import org.pudle.spark.UserInputException;
import org.pudle.spark.config.IstaStep;
import org.pudle.spark.data.InputException;
import org.pudle.spark.io.Matrices;
import org.pudle.spark.io.RunOutputs;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "gradient", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Write the mean gradient (m x p) of one kind over the samples of X as .npy, in this JVM.",
        "D.npy is m x p (columns are atoms); X.npy is n x m (samples are rows), float32 or float64."})
final class GradientCommand implements Callable<Integer> {

  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--dictionary", required = true, paramLabel = "D.npy", description = "the dictionary, m x p")
  String dictionary;

  @Option(names = "--input", required = true, paramLabel = "X.npy", description = "the samples, n x m")
  String input;

  @Option(names = "--kind", required = true, paramLabel = "KIND", description = "dec, ae-ls or ae-lasso")
  String kind;

  @Option(names = "--output", required = true, paramLabel = "G.npy", description = "where to write the m x p gradient")
  String output;

  @Option(names = "--T", paramLabel = "N", defaultValue = "200", description = "unfolded layers (default ${DEFAULT-VALUE})")
  int layers;

  @Option(names = "--lambda", paramLabel = "L", defaultValue = "0.2", description = "lasso weight (default ${DEFAULT-VALUE})")
  double lambda;

  @Option(names = "--alpha", paramLabel = "A", defaultValue = "0.2", description = "ISTA step (default ${DEFAULT-VALUE})")
  double alpha;

  @Option(names = "--ht", paramLabel = "b", description = "use the hard threshold HT_b instead of the soft threshold")
  Double hardThreshold;

  @Option(names = "--decay", paramLabel = "beta", defaultValue = "1", description = "lambda_t = lambda beta^t (default ${DEFAULT-VALUE}: no decay)")
  double decay;

  @Option(names = "--threads", paramLabel = "N", description = "worker threads (default: all cores)")
  Integer threads;

  @Option(names = "--kernels", paramLabel = "BACKEND", defaultValue = "auto", description = "the kernel backend: auto "
      + "(CUDA when a driver and a device are present, else the CPU), cpu or cuda, optionally with :float (default "
      + "${DEFAULT-VALUE})")
  String kernels;

  @Option(names = "--overwrite", description = "replace an existing file at --output")
  boolean overwrite;

  @Override
  public Integer call() throws IOException {
    GradientKind k;
    KernelSpec backend;
    try {
      backend = KernelSpec.parse(kernels);
    } catch (IllegalArgumentException e) {
      throw new UserInputException("--kernels: " + e.getMessage(), e);
    }
    EncoderParams enc;
    try {
      k = GradientKind.parse(kind);
    } catch (IllegalArgumentException e) {
      throw new UserInputException("--kind: " + e.getMessage(), e);
    }
    try {
      enc = new EncoderParams(layers, alpha, lambda, hardThreshold == null ? ThresholdKind.SOFT : ThresholdKind.HARD,
          hardThreshold == null ? 0 : hardThreshold, decay);
    } catch (IllegalArgumentException e) {
      // the encoder names config keys; the options are --T, --alpha, --lambda, --ht and --decay
      throw new UserInputException("--" + e.getMessage().replace("ht.b", "ht").replace("lambda.decay", "decay"), e);
    }
    int nThreads = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
    if (nThreads < 1) {
      throw new UserInputException("--threads: expected at least 1, got " + nThreads);
    }
    Configuration conf = new Configuration();
    Npy.Matrix dm = InputFiles.read(dictionary, "--dictionary", () -> Matrices.readNpy(dictionary, conf));
    if (dm.header().shape().length != 2) {
      throw new InputException(dictionary + ": expected a 2-D m x p dictionary, got shape "
          + java.util.Arrays.toString(dm.header().shape()));
    }
    int m = dm.rows();
    int p = dm.cols();
    Npy.Matrix xm = InputFiles.read(input, "--input", () -> Matrices.readNpy(input, conf));
    int n = xm.rows();
    if (xm.cols() != m) {
      throw new InputException(input + ": samples have " + xm.cols() + " values (columns), but " + dictionary
          + " has m = " + m + " rows");
    }
    if (n == 0) {
      throw new InputException(input + ": no samples (0 rows)");
    }
    double[] d = dm.columnMajor();
    double[] x = xm.rowMajor();
    checkFinite(d, dictionary, m, true);
    checkFinite(x, input, m, false);
    double sigma = Norms.spectral(d, m, p);
    String violation = IstaStep.violation(alpha, sigma * sigma, dictionary);
    if (violation != null) {
      throw new UserInputException("--alpha " + alpha + ": " + violation);
    }
    // the output is claimed before the work: an existing file (without --overwrite) or a directory
    // there is refused with nothing written
    try (RunOutputs out = RunOutputs.openFile(output, conf, OutputOptions.mode(overwrite, false), "pudle gradient")) {
      write(out, d, x, m, p, n, nThreads, k, enc, backend);
    }
    return 0;
  }

  private void write(RunOutputs out, double[] d, double[] x, int m, int p, int n, int nThreads, GradientKind k,
      EncoderParams enc, KernelSpec backend) throws IOException {
    KernelPool pool = KernelPool.of(backend);
    DictionaryOperator op = DictionaryOperator.of(d, m, p, alpha);
    long t0 = System.nanoTime();
    // one kernel of the backend per thread's slice of the samples
    GradientSums sums = ParallelGradient.sum(m, p, n, nThreads, (from, to, part) -> {
      try (KernelPool.Lease<UnfoldedIsta> lease = pool.unfoldedIsta(op, enc, UnfoldedIsta.DEFAULT_SCRATCH_BYTES)) {
        lease.kernel().accumulate(k, x, from * m, to - from, part);
      }
    });
    double[] g = sums.meanGradient();
    out.single(o -> Npy.writeColumnMajor(o, g, m, p));
    out.finish();
    spec.commandLine().getOut().printf(Locale.ROOT, "[gradient] g_%s over %d samples (m=%d, p=%d, T=%d): |g|_F = %.6e, "
            + "mean loss %.6e, mean nnz %.3f, %.2f s on %s; written to %s%n", k, n, m, p, layers, Norms.frobenius(g),
        sums.meanLoss(), sums.meanNonZeros(), (System.nanoTime() - t0) * 1e-9, pool.kernels().name(), output);
  }

  /** Rejects NaN and Inf, naming the row and column (0-based, as numpy indexes them). */
  private static void checkFinite(double[] a, String source, int m, boolean columnMajor) {
    for (int i = 0; i < a.length; i++) {
      if (!Double.isFinite(a[i])) {
        long row = columnMajor ? i % m : i / m;
        long col = columnMajor ? i / m : i % m;
        throw new InputException(source + ": value " + a[i] + " at row " + row + ", column " + col + " is not finite");
      }
    }
  }
}
