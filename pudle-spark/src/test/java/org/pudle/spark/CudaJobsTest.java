package org.pudle.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pudle.kernels.GradientKind;
import org.pudle.kernels.data.SignMode;
import org.pudle.kernels.data.SyntheticModel;
import org.pudle.kernels.io.Npy;
import org.pudle.kernels.study.DepthStudySums;
import org.pudle.spark.cli.PudleMain;
import org.pudle.spark.config.Config;
import org.pudle.spark.config.TrainParams;
import org.pudle.spark.ml.PudleDictionaryLearning;
import org.pudle.spark.ml.PudleModel;
import org.pudle.spark.study.StudyJob;
import org.pudle.spark.study.StudyParams;
import org.pudle.spark.train.CompareJob;
import org.pudle.spark.train.TrainJob;

/**
 * {@code kernels=cuda} reaches the kernels of every job: with an emulated device as this JVM's
 * CUDA backend ({@link EmulatedCuda#install()}: the backend's host side with the device's
 * operations as loops), train, compare, study, gradient, encode and the Spark ML estimator and
 * model run their unfolded encoder on the CUDA backend (operations ran on the device, nothing was
 * lent by the CPU backend's pool), and give the CPU backend's results to FP64 rounding: at most
 * 1e-12 relative (the device sums its products in another order than BLAS; a few updates or
 * layers keep that difference near 1e-15). {@link CudaKernelsEndToEndTest} runs a job on the
 * real kernels of {@code pudle_kernels.cu} through their g++ emulation.
 */
class CudaJobsTest {
  private static final double FP64 = 1e-12;
  private static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
  private static EmulatedCuda cuda;

  @BeforeAll
  static void device() throws Exception {
    SparkTestSupport.sc();
    cuda = EmulatedCuda.install();
  }

  @AfterAll
  static void remove() throws Exception {
    if (cuda != null) {
      cuda.close();
    }
  }

  private static final String TRAIN = "m = 8\np = 12\nk = 2\nn = 96\nseed = 5\nT = 5\nupdates = 3\npartitions = 2\n"
      + "block.size = 32\nadam.lr = 1e-2\nprogress.seconds = 1000\n";

  private static TrainJob.Summary train(String text, Path out, ByteArrayOutputStream console) throws Exception {
    Config c = Config.fromString(text + "output = " + out + "\n");
    TrainParams params = TrainParams.from(c);
    return TrainJob.run(SparkTestSupport.sc(), TrainJob.prepare(c, params), c.values(),
        new PrintStream(console, true, StandardCharsets.UTF_8), false);
  }

  @Test
  void train(@TempDir Path dir) throws Exception {
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    for (String gradient : List.of("ae-ls", "ae-lasso")) {
      String text = TRAIN + "gradient = " + gradient + "\n";
      TrainJob.Summary gpu = cuda.onDevice("train", () -> train(text + "kernels = cuda\n",
          dir.resolve("cuda-" + gradient), log));
      TrainJob.Summary cpu = train(text + "kernels = cpu\n", dir.resolve("cpu-" + gradient),
          new ByteArrayOutputStream());
      double rel = EmulatedCuda.maxRelative(gpu.dictionary(), cpu.dictionary());
      assertTrue(rel <= FP64, gradient + ": CUDA and CPU dictionaries differ by " + rel);
    }
    String console = log.toString(StandardCharsets.UTF_8);
    assertTrue(console.contains("[train] kernels: ") && console.contains(": cuda (emulated GPU"), console);
    assertTrue(Files.readString(dir.resolve("cuda-ae-ls").resolve("run.properties")).contains("kernels = cuda"));
  }

  @Test
  void compare(@TempDir Path dir) throws Exception {
    String runs = "compare = soft, hard\ncompare.hard.threshold = hard\ncompare.hard.ht.b = 0.1\n";
    CompareJob.Summary[] s = new CompareJob.Summary[2];
    String[] backends = {"cuda", "cpu"};
    for (int i = 0; i < 2; i++) {
      Config c = Config.fromString(TRAIN + runs + "kernels = " + backends[i] + "\noutput = " + dir.resolve(backends[i])
          + "\n");
      CompareJob.Prepared prepared = CompareJob.prepare(c);
      s[i] = i == 0 ? cuda.onDevice("compare", () -> CompareJob.run(SparkTestSupport.sc(), prepared, c.values(),
          QUIET)) : CompareJob.run(SparkTestSupport.sc(), prepared, c.values(), QUIET);
    }
    for (int r = 0; r < 2; r++) {
      CompareJob.RunResult gpu = s[0].runs().get(r);
      CompareJob.RunResult cpu = s[1].runs().get(r);
      double rel = EmulatedCuda.maxRelative(gpu.dictionary(), cpu.dictionary());
      assertTrue(rel <= FP64, gpu.name() + ": " + rel);
      for (int u = 0; u < cpu.updates().size(); u++) {
        assertEquals(cpu.updates().get(u).loss(), gpu.updates().get(u).loss(), FP64 * cpu.updates().get(u).loss());
      }
    }
  }

  @Test
  void study(@TempDir Path dir) throws Exception {
    String text = "m = 8\np = 12\nk = 2\nseed = 3\nsign = per-sample\ninit.tau = 0.3\nT = 6\nlambda = 0.2\n"
        + "alpha = 0.2\ngrid = 1,2,6\ngroups = 2\nn = 40\ndstar.n = 200\ndstar.eta = 3\ndstar.tolerance = 1e-9\n"
        + "dstar.max.updates = 400\nblock.size = 10\npartitions = 2\njacobian = true\nprogress.seconds = 1000\n"
        + "dstar.cache = " + dir.resolve("cache") + "\n";
    StudyJob.Summary[] s = new StudyJob.Summary[2];
    String[] backends = {"cpu", "cuda"};
    for (int i = 0; i < 2; i++) {
      StudyParams p = StudyParams.from(Config.fromString(text + "kernels = " + backends[i] + "\noutput = "
          + dir.resolve(backends[i]) + "\n"));
      s[i] = i == 1 ? cuda.onDevice("study", () -> StudyJob.run(SparkTestSupport.sc(), p, Map.of(), QUIET))
          : StudyJob.run(SparkTestSupport.sc(), p, Map.of(), QUIET);
    }
    DepthStudySums cpu = s[0].passes().get(0).total();
    DepthStudySums gpu = s[1].passes().get(0).total();
    assertEquals(40, gpu.count());
    for (int i = 0; i < cpu.depths(); i++) {
      for (GradientKind kind : GradientKind.values()) {
        double rel = EmulatedCuda.maxRelative(gpu.atDepth(kind, i).gradientBuffer(),
            cpu.atDepth(kind, i).gradientBuffer());
        assertTrue(rel <= FP64, kind + " at depth index " + i + ": " + rel);
        assertEquals(cpu.atDepth(kind, i).meanLoss(), gpu.atDepth(kind, i).meanLoss(),
            FP64 * cpu.atDepth(kind, i).meanLoss());
      }
    }
  }

  private static void writeProblem(Path dir, int m, int p, int n) throws Exception {
    SyntheticModel model = new SyntheticModel(m, p, 2, 3, SignMode.PER_SAMPLE, 0.01);
    double[] d = model.initialDictionary(model.dictionaryTilde(), 0.2);
    double[] x = new double[m * n];
    model.generate(model.dictionaryTilde(), 0, n, x, 0, null, null);
    try (OutputStream o = Files.newOutputStream(dir.resolve("D.npy"))) {
      Npy.writeColumnMajor(o, d, m, p);
    }
    try (OutputStream o = Files.newOutputStream(dir.resolve("X.npy"))) {
      Npy.writeRowMajor(o, x, n, m);
    }
  }

  private static String main(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    PrintStream saved = System.out;
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    System.setOut(new PrintStream(console, true, StandardCharsets.UTF_8));
    try {
      int status = PudleMain.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
      assertEquals(0, status, err.toString());
    } finally {
      System.setOut(saved);
    }
    return out + console.toString(StandardCharsets.UTF_8);
  }

  private static double[] readNpy(Path f) throws Exception {
    return org.pudle.spark.io.Matrices.readNpy(f.toString(), new org.apache.hadoop.conf.Configuration()).columnMajor();
  }

  @Test
  void gradient(@TempDir Path dir) throws Exception {
    writeProblem(dir, 8, 12, 50);
    String[] common = {"gradient", "--dictionary", dir.resolve("D.npy").toString(), "--input",
        dir.resolve("X.npy").toString(), "--kind", "ae-lasso", "--T", "7", "--lambda", "0.1", "--threads", "2"};
    String gpuOut = cuda.onDevice("gradient", () -> main(concat(common, "--kernels", "cuda", "--output",
        dir.resolve("G-cuda.npy").toString())));
    assertTrue(gpuOut.contains("on cuda (emulated GPU"), gpuOut);
    main(concat(common, "--kernels", "cpu", "--output", dir.resolve("G-cpu.npy").toString()));
    double rel = EmulatedCuda.maxRelative(readNpy(dir.resolve("G-cuda.npy")), readNpy(dir.resolve("G-cpu.npy")));
    assertTrue(rel <= FP64, "gradient: " + rel);
  }

  private static String[] concat(String[] a, String... b) {
    String[] out = new String[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  /** The codes of codes.parquet, p per sample, in index order. */
  private static double[] codes(Path parquet, int p) {
    SparkSession spark = SparkSession.builder().sparkContext(SparkTestSupport.sc().sc()).getOrCreate();
    List<Row> rows = spark.read().parquet(parquet.toString()).orderBy("index").collectAsList();
    double[] z = new double[rows.size() * p];
    for (int i = 0; i < rows.size(); i++) {
      System.arraycopy(((Vector) rows.get(i).get(1)).toArray(), 0, z, i * p, p);
    }
    return z;
  }

  @Test
  void encode(@TempDir Path dir) throws Exception {
    writeProblem(dir, 8, 12, 45);
    String[] backends = {"cuda", "cpu"};
    for (String b : backends) {
      String[] args = {"encode", "--set", "input=" + dir.resolve("X.npy"), "--set", "dictionary=" + dir.resolve("D.npy"),
          "--set", "encoder=unfolded", "--set", "T=9", "--set", "lambda=0.1", "--set", "output=" + dir.resolve(b),
          "--set", "partitions=3", "--set", "block.size=7", "--set", "kernels=" + b};
      String out = b.equals("cuda") ? cuda.onDevice("encode", () -> main(args)) : main(args);
      assertTrue(out.contains("45 codes of size 12"), out);
    }
    double[] gpu = codes(dir.resolve("cuda").resolve("codes.parquet"), 12);
    double[] cpu = codes(dir.resolve("cpu").resolve("codes.parquet"), 12);
    assertEquals(45 * 12, cpu.length);
    double rel = EmulatedCuda.maxRelative(gpu, cpu);
    assertTrue(rel <= FP64, "encode: " + rel);
  }

  @Test
  void sparkMlFitAndTransform() throws Exception {
    int m = 8;
    int n = 60;
    SyntheticModel model = new SyntheticModel(m, 12, 2, 4, SignMode.PER_SAMPLE, 0.01);
    double[] x = new double[m * n];
    model.generate(model.dictionaryTilde(), 0, n, x, 0, null, null);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      double[] xi = new double[m];
      System.arraycopy(x, i * m, xi, 0, m);
      rows.add(RowFactory.create((long) i, Vectors.dense(xi)));
    }
    SparkSession spark = SparkSession.builder().sparkContext(SparkTestSupport.sc().sc()).getOrCreate();
    Dataset<Row> data = spark.createDataFrame(rows, new StructType().add("id", org.apache.spark.sql.types.DataTypes.LongType)
        .add("features", SQLDataTypes.VectorType()));
    PudleModel[] fitted = new PudleModel[2];
    String[] backends = {"cuda", "cpu"};
    for (int i = 0; i < 2; i++) {
      PudleDictionaryLearning est = new PudleDictionaryLearning().setNumAtoms(12).setNumLayers(5).setMaxIter(3)
          .setStepSize(1e-2).setBlockSize(16).setKernels(backends[i]);
      fitted[i] = i == 0 ? cuda.onDevice("Spark ML fit", () -> est.fit(data)) : est.fit(data);
    }
    double rel = EmulatedCuda.maxRelative(fitted[0].dictionary().toArray(), fitted[1].dictionary().toArray());
    assertTrue(rel <= FP64, "fit: " + rel);
    assertEquals("cuda", fitted[0].getOrDefault(fitted[0].kernels()), "the model carries the estimator's kernels");

    // the same model transforms on either backend
    PudleModel onCpu = fitted[1].copy(org.apache.spark.ml.param.ParamMap.empty()).setKernels("cpu");
    PudleModel onCuda = fitted[1].copy(org.apache.spark.ml.param.ParamMap.empty()).setKernels("cuda");
    List<Row> zc = onCpu.transform(data).orderBy("id").select("codes").collectAsList();
    List<Row> zg = cuda.onDevice("Spark ML transform",
        () -> onCuda.transform(data).orderBy("id").select("codes").collectAsList());
    assertEquals(n, zg.size());
    double max = 0;
    double diff = 0;
    for (int i = 0; i < n; i++) {
      double[] a = ((Vector) zg.get(i).get(0)).toArray();
      double[] b = ((Vector) zc.get(i).get(0)).toArray();
      for (int j = 0; j < b.length; j++) {
        max = Math.max(max, Math.abs(b[j]));
        diff = Math.max(diff, Math.abs(a[j] - b[j]));
      }
    }
    assertTrue(max > 0 && diff <= FP64 * max, "transform: " + diff / max);
  }
}
