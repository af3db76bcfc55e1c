package org.pudle.spark.encode;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.pudle.kernels.DictionaryOperator;
import org.pudle.kernels.EncoderParams;
import org.pudle.kernels.FistaLasso;
import org.pudle.kernels.UnfoldedIsta;
import org.pudle.kernels.linalg.Blas;
import org.pudle.kernels.linalg.Norms;
import org.pudle.kernels.pool.KernelPool;
import org.pudle.spark.SparkSessions;
import org.pudle.spark.agg.KernelProbe;
import org.pudle.spark.agg.OperatorCache;
import org.pudle.spark.config.ConfigException;
import org.pudle.spark.config.EncodeParams;
import org.pudle.spark.config.IstaStep;
import org.pudle.spark.data.FileSource;
import org.pudle.spark.data.InputException;
import org.pudle.spark.data.SampleBlock;
import org.pudle.spark.io.DictionaryFiles;
import org.pudle.spark.io.RunClaim;
import org.pudle.spark.io.RunOutputs;
import org.pudle.spark.io.Storage;
import org.pudle.spark.train.Progress;

import dev.ludovic.netlib.blas.BLAS;

/**
 * {@code pudle encode}: the sparse codes of every input sample under a dictionary, as a Parquet
 * dataset {@code codes.parquet} with one row per sample: {@code index} (the sample's index in the
 * input, long), {@code code} (a Spark ML sparse vector of size p), {@code loss}
 * ({@code 1/2 ||x - D z||^2}) and {@code kkt} (the lasso KKT residual of z, 0 at the lasso
 * solution). The codes come from the unfolded encoder (T layers, the settings of training) or
 * from FISTA to the KKT tolerance.
 */
public final class EncodeJob {
  private EncodeJob() {}

  /**
   * What a run found.
   *
   * @param unconverged FISTA codes above the tolerance (0 for the unfolded encoder)
   */
  public record Summary(long samples, int m, int p, double meanNonZeros, double meanLoss, double maxKkt,
      long unconverged, double seconds) implements Serializable {}

  /** Checks that the step suits the dictionary, before any work. */
  public static DictionaryFiles.Matrix readDictionary(EncodeParams params, org.apache.hadoop.conf.Configuration conf) {
    DictionaryFiles.Matrix d = DictionaryFiles.read(params.dictionary(), conf, "dictionary");
    if (!params.fista()) {
      double sigma = Norms.spectral(d.columnMajor(), d.rows(), d.cols());
      String violation = IstaStep.violation(params.encoder().alpha(), sigma * sigma, params.dictionary());
      if (violation != null) {
        throw new ConfigException("config key 'alpha': " + violation);
      }
    }
    return d;
  }

  /**
   * Checks the paths before Spark starts: the input and the dictionary can be read and the output
   * written (an unknown scheme, missing credentials or a missing bucket is an input error naming
   * the path).
   */
  public static void checkPaths(EncodeParams params) {
    org.apache.hadoop.conf.Configuration conf = Storage.driverConfiguration();
    Storage.checkReadable(params.input().path(), conf, "config key 'input'");
    Storage.checkReadable(params.dictionary(), conf, "config key 'dictionary'");
    Storage.checkWritable(params.output(), conf, "config key 'output'");
  }

  /**
   * Runs in its own (or spark-submit's) SparkSession.
   *
   * @param mode what to do with an earlier result in the output ({@code --overwrite})
   */
  public static Summary run(EncodeParams params, PrintStream console, RunClaim.Mode mode) throws IOException {
    try (SparkSessions.Handle spark = SparkSessions.open("pudle encode " + params.name())) {
      return run(spark.context(), params, console, mode);
    }
  }

  /** Runs on an existing context (tests share one) into a new output. */
  public static Summary run(JavaSparkContext sc, EncodeParams params, PrintStream console) throws IOException {
    return run(sc, params, console, RunClaim.Mode.NEW);
  }

  /**
   * Runs on an existing context.
   *
   * @param mode what to do with an earlier result in the output ({@code --overwrite})
   */
  public static Summary run(JavaSparkContext sc, EncodeParams params, PrintStream console, RunClaim.Mode mode)
      throws IOException {
    long start = System.nanoTime();
    DictionaryFiles.Matrix dict = readDictionary(params, sc.hadoopConfiguration());
    int m = dict.rows();
    int p = dict.cols();
    FileSource source = FileSource.open(sc, params.input());
    if (source.m() != m) {
      throw new InputException(params.input().path() + ": the samples have m = " + source.m() + " values, the "
          + "dictionary " + params.dictionary() + " has " + m + " rows");
    }
    int partitions = params.execution().partitions() > 0 ? params.execution().partitions()
        : source.defaultPartitions(sc);
    console.printf(Locale.ROOT, "[encode] %s: %s; dictionary %s (%d x %d); %s%n", params.name(), source.describe(),
        params.dictionary(), m, p, params.fista()
            ? "FISTA to KKT " + params.lasso().tolerance() + ", lambda=" + params.encoder().lambda()
            : "unfolded encoder, T=" + params.encoder().T() + " lambda=" + params.encoder().lambda() + " alpha="
                + params.encoder().alpha() + " " + params.encoder().threshold() + " threshold");
    Broadcast<double[]> bc = sc.broadcast(dict.columnMajor());
    EncoderParams encoder = params.encoder();
    FistaLasso.Options lassoOptions = params.fista() ? params.lasso() : null;
    long scratch = params.execution().scratchBytes();
    // the unfolded encoder runs on the kernels backend (kernels, kernel.precision), resolved on the
    // executors first; FISTA runs on the CPU
    String backend = params.fista() ? "cpu" : params.execution().kernelsSpec();
    if (!backend.startsWith("cpu")) {
      for (String k : KernelProbe.resolve(sc, backend, partitions)) {
        console.println("[encode] kernels: " + k);
      }
    }
    // a model's scaling, as in training (the patches and their normalization come with the input keys)
    JavaRDD<Row> rows = params.transform().scale(source.blocks(sc, partitions, params.execution().blockSize()))
        .mapPartitions(it -> encode(it, bc, m, p, encoder, lassoOptions, scratch, backend))
        .persist(StorageLevel.MEMORY_AND_DISK());
    rows.setName("pudle codes (" + params.input().path() + ")");
    try {
      SparkSession spark = SparkSession.builder().sparkContext(sc.sc()).getOrCreate();
      StructType schema = new StructType()
          .add("index", DataTypes.LongType, false)
          .add("code", SQLDataTypes.VectorType(), false)
          .add("loss", DataTypes.DoubleType, false)
          .add("kkt", DataTypes.DoubleType, false);
      try (RunOutputs out = RunOutputs.open(params.output(), sc.hadoopConfiguration(), mode, "pudle encode")) {
        double tol = params.lasso().tolerance();
        double[] stats = rows.map(r -> new double[] {1, ((org.apache.spark.ml.linalg.Vector) r.get(1)).numNonzeros(),
            r.getDouble(2), r.getDouble(3), r.getDouble(3) > tol ? 1 : 0}).reduce((a, b) -> new double[] {a[0] + b[0],
            a[1] + b[1], a[2] + b[2], Math.max(a[3], b[3]), a[4] + b[4]});
        String files = CodesWriter.write(out, spark, rows, schema, CodesWriter.Format.parse(params.codesFormat()),
            params.errorsOnly(), (long) stats[0], (long) stats[1], p);
        Summary s = new Summary((long) stats[0], m, p, stats[1] / stats[0], stats[2] / stats[0], stats[3],
            params.fista() ? (long) stats[4] : 0, (System.nanoTime() - start) * 1e-9);
        String text = summaryText(s, params, out, source, files);
        out.text("summary.txt", text);
        out.finish();
        console.print(text);
        return s;
      }
    } finally {
      rows.unpersist(false);
      bc.destroy();
    }
  }

  private static String summaryText(Summary s, EncodeParams params, RunOutputs out, FileSource source,
      String files) {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "[encode] data: %s%n", source.describe()));
    sb.append(String.format(Locale.ROOT, "[encode] %d codes of size %d (%s) in %s: mean non-zeros %.4f, mean "
        + "1/2||x - Dz||^2 %.6e, largest KKT residual %.3e%n", s.samples(), s.p(), params.fista() ? "FISTA" : "unfolded",
        Progress.duration(s.seconds()), s.meanNonZeros(), s.meanLoss(), s.maxKkt()));
    if (params.fista() && s.unconverged() > 0) {
      sb.append(String.format(Locale.ROOT, "[encode] %d codes stopped above the KKT tolerance %s (raise "
          + "fista.iterations)%n", s.unconverged(), params.lasso().tolerance()));
    }
    sb.append("[encode] outputs in ").append(out).append(": ").append(files).append(", summary.txt\n");
    return sb.toString();
  }

  /**
   * The rows of a partition's blocks: the unfolded encoder on a kernel of {@code backend} borrowed
   * from the executor's pool for the partition, or FISTA.
   */
  private static Iterator<Row> encode(Iterator<SampleBlock> blocks, Broadcast<double[]> bc, int m, int p,
      EncoderParams encoder, FistaLasso.Options lassoOptions, long scratchBytes, String backend) {
    if (lassoOptions != null) {
      return encode(blocks, bc.value(), m, p, encoder.lambda(), null,
          new FistaLasso(bc.value(), m, p, encoder.lambda(), lassoOptions));
    }
    DictionaryOperator op = OperatorCache.get(bc.id(), bc.value(), m, p, encoder.alpha());
    try (KernelPool.Lease<UnfoldedIsta> lease = KernelPool.of(backend).unfoldedIsta(op, encoder, scratchBytes)) {
      return encode(blocks, bc.value(), m, p, encoder.lambda(), lease.kernel(), null);
    }
  }

  /** The rows of a partition's blocks by {@code unfolded} or, when it is null, by {@code lasso}. */
  private static Iterator<Row> encode(Iterator<SampleBlock> blocks, double[] d, int m, int p, double lambda,
      UnfoldedIsta unfolded, FistaLasso lasso) {
    BLAS blas = Blas.blas();
    List<Row> out = new ArrayList<>();
    while (blocks.hasNext()) {
      SampleBlock b = blocks.next();
      int cols = b.cols();
      double[] z;
      if (unfolded == null) {
        z = lasso.solve(b.x(), 0, cols).z();
      } else {
        z = new double[p * cols];
        unfolded.encode(b.x(), 0, cols, z, 0);
      }
      // R = D Z - X, G = D^T R
      double[] r = b.x().clone();
      blas.dgemm("N", "N", m, cols, p, 1.0, d, 0, m, z, 0, p, -1.0, r, 0, m);
      double[] g = new double[p * cols];
      blas.dgemm("T", "N", p, cols, m, 1.0, d, 0, m, r, 0, m, 0.0, g, 0, p);
      for (int c = 0; c < cols; c++) {
        int nnz = 0;
        for (int i = c * p; i < (c + 1) * p; i++) {
          if (z[i] != 0) {
            nnz++;
          }
        }
        int[] idx = new int[nnz];
        double[] val = new double[nnz];
        int k = 0;
        for (int i = 0; i < p; i++) {
          double v = z[c * p + i];
          if (v != 0) {
            idx[k] = i;
            val[k++] = v;
          }
        }
        double loss = 0;
        for (int i = c * m; i < (c + 1) * m; i++) {
          loss += r[i] * r[i];
        }
        out.add(RowFactory.create(b.first() + c, Vectors.sparse(p, idx, val), 0.5 * loss,
            FistaLasso.kktResidual(z, g, c * p, p, lambda)));
      }
    }
    return out.iterator();
  }
}
