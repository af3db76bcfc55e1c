package org.pudle.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pudle.kernels.data.SyntheticModel;
import org.pudle.kernels.io.Npy;
import org.pudle.spark.config.Config;
import org.pudle.spark.config.ConfigException;
import org.pudle.spark.config.TrainParams;
import org.pudle.spark.data.InputException;
import org.pudle.spark.data.TestFiles;
import org.pudle.spark.train.TrainJob;

/**
 * Training from files is the same computation as training on the synthetic source they were
 * written from; checkpoints resume to the same dictionary as an uninterrupted run.
 */
class TrainFromFilesTest {
  static final String SYNTHETIC = "m = 10\np = 15\nk = 2\nn = 300\nseed = 5\nT = 10\ngradient = ae-ls\n"
      + "adam.lr = 1e-2\npartitions = 2\nblock.size = 64\nprogress.seconds = 1000\n";

  static TrainJob.Summary train(String text, Path out, boolean resume) throws IOException {
    return train(text, out, resume, false, new ByteArrayOutputStream());
  }

  static TrainJob.Summary train(String text, Path out, boolean resume, boolean changedInputOk,
      ByteArrayOutputStream console) throws IOException {
    Config c = Config.fromString(text + "\noutput = " + out + "\n");
    TrainParams params = TrainParams.from(c);
    return TrainJob.run(SparkTestSupport.sc(), TrainJob.prepare(c, params), c.values(), new PrintStream(console, true,
        StandardCharsets.UTF_8), resume || changedInputOk ? org.pudle.spark.io.RunClaim.Mode.RESUME
        : org.pudle.spark.io.RunClaim.Mode.NEW, changedInputOk);
  }

  static double[] readNpy(Path p) throws IOException {
    try (InputStream in = Files.newInputStream(p)) {
      return Npy.read(in, p.toString()).columnMajor();
    }
  }

  /** max_i |a_i - b_i| / max_i |b_i|. */
  static double relativeDifference(double[] a, double[] b) {
    double num = 0;
    double den = 0;
    for (int i = 0; i < a.length; i++) {
      num = Math.max(num, Math.abs(a[i] - b[i]));
      den = Math.max(den, Math.abs(b[i]));
    }
    return num / den;
  }

  @Test
  void aNpyOfTheSyntheticSamplesTrainsToTheSameDictionary(@TempDir Path dir) throws IOException {
    TrainJob.Summary synthetic = train(SYNTHETIC + "updates = 6\n", dir.resolve("synthetic"), false);

    SyntheticModel model = new SyntheticModel(10, 15, 2, 5, org.pudle.kernels.data.SignMode.PER_SAMPLE, 0);
    double[] x = new double[10 * 300];
    model.generate(model.dictionaryTilde(), 0, 300, x, 0, null, null);
    try (OutputStream o = Files.newOutputStream(dir.resolve("x.npy"))) {
      Npy.writeRowMajor(o, x, 300, 10); // row i = sample i
    }
    String files = "p = 15\nseed = 5\nT = 10\ngradient = ae-ls\nadam.lr = 1e-2\npartitions = 2\nblock.size = 64\n"
        + "progress.seconds = 1000\nupdates = 6\ninput = " + dir.resolve("x.npy") + "\ninit = "
        + dir.resolve("synthetic/initial-dictionary.npy") + "\nreference = "
        + dir.resolve("synthetic/generating-dictionary.npy") + "\n";
    TrainJob.Summary fromFile = train(files, dir.resolve("file"), false);
    // the same samples in the same blocks and partitions: the same arithmetic
    assertEquals(0, relativeDifference(fromFile.dictionary(), synthetic.dictionary()), 1e-12);
    assertEquals(synthetic.finalErrorSpectral(), fromFile.finalErrorSpectral(), 1e-12);

    // the dictionary as Parquet: one row per atom
    SparkSession spark = SparkSession.builder().sparkContext(SparkTestSupport.sc().sc()).getOrCreate();
    List<Row> atoms = spark.read().parquet(dir.resolve("file/dictionary.parquet").toString()).orderBy("atom")
        .collectAsList();
    assertEquals(15, atoms.size());
    List<Object> atom7 = atoms.get(7).getList(1);
    for (int i = 0; i < 10; i++) {
      assertEquals(fromFile.dictionary()[7 * 10 + i], (Double) atom7.get(i), 0);
    }
    String props = Files.readString(dir.resolve("file/run.properties"));
    assertTrue(props.contains("input = " + dir.resolve("x.npy")) && !props.contains("init.tau"), props);
    // run.properties is a config that reproduces the run (into another output)
    TrainJob.Summary again = train(Files.readString(dir.resolve("file/run.properties"))
        .replaceAll("(?m)^output = .*\n", ""), dir.resolve("again"), false);
    assertEquals(0, relativeDifference(again.dictionary(), fromFile.dictionary()), 0);
  }

  @Test
  void baselinesResumeToTheSameDictionaryToo(@TempDir Path dir) throws IOException {
    // altmin and noodl take plain gradient-descent steps: their checkpoints carry no optimizer state
    for (String method : List.of("noodl", "altmin")) {
      String text = SYNTHETIC + "method = " + method + "\nupdates = 5\ncheckpoint.every = 2\nbatch.size = 70\n";
      TrainJob.Summary whole = train(text, dir.resolve(method + "-whole"), false);
      train(text.replace("updates = 5", "updates = 2"), dir.resolve(method + "-parts"), false);
      TrainJob.Summary resumed = train(text, dir.resolve(method + "-parts"), true);
      assertTrue(relativeDifference(resumed.dictionary(), whole.dictionary()) <= 1e-12,
          method + ": relative difference " + relativeDifference(resumed.dictionary(), whole.dictionary()));
      assertTrue(relativeDifference(whole.dictionary(), whole.initial()) > 1e-6, method + " moved D");
    }
  }

  @Test
  void resumeFromTheLastCheckpointEqualsAnUninterruptedRun(@TempDir Path dir) throws IOException {
    TrainJob.Summary whole = train(SYNTHETIC + "updates = 9\ncheckpoint.every = 3\nbatch.size = 70\n",
        dir.resolve("whole"), false);
    // stop after 4 updates (checkpoints at 3 and at the end, 4), then continue to 9
    train(SYNTHETIC + "updates = 4\ncheckpoint.every = 3\nbatch.size = 70\n", dir.resolve("parts"), false);
    TrainJob.Summary resumed = train(SYNTHETIC + "updates = 9\ncheckpoint.every = 3\nbatch.size = 70\n",
        dir.resolve("parts"), true);
    assertTrue(relativeDifference(resumed.dictionary(), whole.dictionary()) <= 1e-12,
        "relative difference " + relativeDifference(resumed.dictionary(), whole.dictionary()));
    assertEquals(9, resumed.updates().size(), "the history includes the updates before the checkpoint");
    List<String> a = Files.readAllLines(dir.resolve("whole/metrics.csv"));
    List<String> b = Files.readAllLines(dir.resolve("parts/metrics.csv"));
    assertEquals(a.size(), b.size());
    for (int i = 1; i < a.size(); i++) {
      // update .. code_nnz and decay agree exactly; the timings differ; the spectral error is an
      // iterative estimate warm-started from the previous update's, so a resumed run (a cold
      // start) agrees to rounding
      String[] x = a.get(i).split(",");
      String[] y = b.get(i).split(",");
      assertEquals(String.join(",", List.of(x).subList(0, 7)), String.join(",", List.of(y).subList(0, 7)),
          "metrics row " + i);
      assertEquals(x[9], y[9], "decay, row " + i);
      for (int k = 7; k <= 8; k++) {
        assertEquals(Double.parseDouble(x[k]), Double.parseDouble(y[k]), 1e-12 * Double.parseDouble(x[k]),
            "column " + k + ", row " + i);
      }
    }

    ConfigException e = assertThrows(ConfigException.class,
        () -> train(SYNTHETIC + "updates = 9\nbatch.size = 70\nlambda = 0.3\n", dir.resolve("parts"), true));
    assertTrue(e.getMessage().contains("lambda: 0.2 -> 0.3"), e.getMessage());
    e = assertThrows(ConfigException.class,
        () -> train(SYNTHETIC + "updates = 8\ncheckpoint.every = 3\nbatch.size = 70\n", dir.resolve("parts"), true));
    assertTrue(e.getMessage().contains("after update 9, beyond updates = 8"), e.getMessage());
    e = assertThrows(ConfigException.class, () -> train(SYNTHETIC + "updates = 9\n", dir.resolve("none"), true));
    assertTrue(e.getMessage().contains("no checkpoint in"), e.getMessage());
  }

  /**
   * The checkpoint records a fingerprint of the input: --resume refuses files that changed, naming
   * what changed, unless told to resume anyway; a file that was only touched (the same bytes, a
   * small input) still resumes. run.properties records the initial dictionary the run resolved
   * (random: fewer samples than atoms) and reproduces the run. The console says where the samples
   * are cached.
   */
  @Test
  void resumeRefusesAChangedInputAndRunPropertiesRecordsTheInit(@TempDir Path dir) throws IOException {
    Path in = Files.createDirectories(dir.resolve("in"));
    double[][] x = TestFiles.samples(12, 6, 3);
    TestFiles.npy(in.resolve("a.npy"), x, false);
    String text = "p = 15\nT = 5\nupdates = 2\ncheckpoint.every = 1\nprogress.seconds = 1000\npartitions = 2\n"
        + "input = " + in + "\n";
    Path out = dir.resolve("out");
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    TrainJob.Summary first = train(text, out, false, false, console);
    assertTrue(console.toString(StandardCharsets.UTF_8).contains("[train] read 12 samples in ")
        && console.toString(StandardCharsets.UTF_8).contains("; cached in memory ("), console.toString());
    String props = Files.readString(out.resolve("run.properties"));
    assertTrue(props.contains("\ninit = random\n") && props.contains("\nm = 6\n")
        && props.contains("\nreference = none\n"), props);
    TrainJob.Summary again = train(props.replaceAll("(?m)^output = .*\n", ""), dir.resolve("again"), false);
    assertEquals(0, relativeDifference(again.dictionary(), first.dictionary()), 0, "run.properties reproduces the run");

    // touched: the same bytes
    Files.setLastModifiedTime(in.resolve("a.npy"), java.nio.file.attribute.FileTime.fromMillis(
        Files.getLastModifiedTime(in.resolve("a.npy")).toMillis() + 5000));
    assertEquals(3, train(text.replace("updates = 2", "updates = 3"), out, true).updates().size());

    // another value in the same number of bytes
    x[4][2] += 1;
    TestFiles.npy(in.resolve("a.npy"), x, false);
    InputException e = assertThrows(InputException.class,
        () -> train(text.replace("updates = 2", "updates = 4"), out, true));
    assertTrue(e.getMessage().startsWith("--resume: the input " + in + " changed since the checkpoint in " + out
        + " was written: the contents differ") && e.getMessage().contains("--resume-changed-input"), e.getMessage());
    // another file, and so more samples: the input is named before the settings (data.n)
    TestFiles.npy(in.resolve("b.npy"), TestFiles.samples(3, 6, 4), false);
    e = assertThrows(InputException.class, () -> train(text.replace("updates = 2", "updates = 4"), out, true));
    assertTrue(e.getMessage().contains("b.npy: new"), e.getMessage());
    ByteArrayOutputStream resumed = new ByteArrayOutputStream();
    TrainJob.Summary anyway = train(text.replace("updates = 2", "updates = 4"), out, true, true, resumed);
    assertEquals(4, anyway.updates().size());
    assertTrue(resumed.toString(StandardCharsets.UTF_8).contains("[train] --resume-changed-input: the input"),
        resumed.toString(StandardCharsets.UTF_8));
  }

  /**
   * The splits decide only which task reads which bytes: a run whose files are cut into 2 KB
   * splits learns the dictionary of a run that reads them whole, to the last bit. (Two
   * partitions: the driver merges the partitions' sums in the order their tasks finish, and two
   * sums add the same either way; with more, runs agree to rounding, as for any partitioning.)
   */
  @Test
  void theSplitsDoNotChangeTheDictionary(@TempDir Path dir) throws IOException {
    Path in = Files.createDirectories(dir.resolve("in"));
    double[][] x = TestFiles.samples(600, 10, 9);
    TestFiles.npy(in.resolve("a.npy"), java.util.Arrays.copyOfRange(x, 0, 250), true);
    TestFiles.csv(in.resolve("b.csv"), java.util.Arrays.copyOfRange(x, 250, 600), ",", null);
    String text = "p = 12\nT = 5\nupdates = 4\nbatch.size = 70\nadam.lr = 1e-2\nprogress.seconds = 1000\n"
        + "partitions = 2\nblock.size = 64\ninput = " + in + "\n";
    TrainJob.Summary whole = train(text, dir.resolve("whole"), false);
    TrainJob.Summary split = train(text + "input.split.mb = 0.001953125\n", dir.resolve("split"), false);
    assertEquals(0, relativeDifference(split.dictionary(), whole.dictionary()), 0);
    assertTrue(relativeDifference(whole.dictionary(), whole.initial()) > 1e-6, "D moved");
  }
}
