package org.pudle.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pudle.kernels.DictionaryOperator;
import org.pudle.kernels.EncoderParams;
import org.pudle.kernels.UnfoldedIstaCpu;
import org.pudle.kernels.data.SignMode;
import org.pudle.kernels.data.SyntheticModel;
import org.pudle.kernels.linalg.Norms;
import org.pudle.spark.cli.ExitStatus;
import org.pudle.spark.cli.PudleMain;
import org.pudle.spark.config.IstaStep;
import org.pudle.spark.data.HeldOut;
import org.pudle.spark.data.SampleBlock;
import org.pudle.spark.data.SyntheticSource;
import org.pudle.spark.data.TestFiles;
import org.pudle.spark.train.DictionaryTrainer;
import org.pudle.spark.train.MetricsWriter;
import org.pudle.spark.train.TrainJob;

/**
 * {@code validation.fraction}: the held-out split depends on the sample indices alone, training
 * never sees the held-out samples, and the held-out metrics of {@code metrics.csv} are the codes
 * of the run's encoder under the dictionary of the update.
 */
class HeldOutTest {
  private static final SyntheticModel MODEL = new SyntheticModel(10, 15, 2, 5, SignMode.PER_SAMPLE, 0);

  /** The samples of the blocks by index, the indices checked to be exactly 0..count-1. */
  private static double[][] collect(JavaRDD<SampleBlock> blocks, long count) {
    return TestFiles.collect(blocks, count);
  }

  @Test
  void theSplitIsTheSameForAnyPartitioningAndLeavesTheHeldOutSamplesOutOfTraining() {
    JavaSparkContext sc = SparkTestSupport.sc();
    int n = 300;
    SyntheticSource source = new SyntheticSource(MODEL, n);
    HeldOut split = HeldOut.of(sc, n, 0.2, 11);
    double[] x = new double[10 * n];
    MODEL.generate(MODEL.dictionaryTilde(), 0, n, x, 0, null, null);
    // the rule sample by sample: held-out samples in input order, the others in input order
    List<double[]> held = new ArrayList<>();
    List<double[]> kept = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      (split.contains(i) ? held : kept).add(Arrays.copyOfRange(x, i * 10, (i + 1) * 10));
    }
    assertEquals(held.size(), split.heldOutCount());
    assertEquals(n, split.heldOutCount() + split.trainingCount());
    // about 20 %: a binomial count of 300 draws, 6 standard deviations wide
    assertTrue(Math.abs(held.size() - 60) < 6 * Math.sqrt(300 * 0.2 * 0.8), "held out " + held.size());
    for (int partitions : new int[] {1, 3}) {
      for (int blockSize : new int[] {7, 64}) {
        JavaRDD<SampleBlock> all = source.blocks(sc, partitions, blockSize);
        double[][] h = collect(split.heldOut(all), split.heldOutCount());
        double[][] t = collect(split.training(all), split.trainingCount());
        for (int i = 0; i < h.length; i++) {
          assertArrayEquals(held.get(i), h[i], partitions + " partitions: held-out sample " + i);
        }
        for (int i = 0; i < t.length; i++) {
          assertArrayEquals(kept.get(i), t[i], partitions + " partitions: training sample " + i);
        }
        assertEquals(partitions, split.training(all).getNumPartitions());
      }
    }
  }

  @Test
  void theCountsOfALargeInputComeFromTheIndicesInChunks() {
    // more than one chunk of 65536 indices: the counts come from a Spark job
    long n = 200_000;
    HeldOut split = HeldOut.of(SparkTestSupport.sc(), n, 0.05, 3);
    long count = 0;
    for (long i = 0; i <= n; i++) {
      if (i == 0 || i == 1 || i == 65535 || i == 65536 || i == 65537 || i == 131072 || i == 199_999 || i == n
          || i % 12_345 == 0) {
        assertEquals(count, split.heldBefore(i), "held out before " + i);
      }
      if (i < n && split.contains(i)) {
        count++;
      }
    }
    assertEquals(count, split.heldOutCount());
  }

  private static final String FILES = "p = 15\nseed = 5\nT = 10\ngradient = ae-ls\nadam.lr = 1e-2\npartitions = 1\n"
      + "block.size = 1000\nprogress.seconds = 1000\nupdates = 4\nlambda.relative = 0.2\ninput.scale = global\n"
      + "batch.size = 60\n";

  /**
   * The held-out samples are left out of everything training does: a run with
   * {@code validation.fraction} learns exactly what a run without it learns from a file of only the
   * training samples (the same blocks: the columns that do not depend on time agree bit for bit;
   * {@code lambda.relative} and {@code input.scale} are fitted on the training samples alike), and
   * the run without held-out samples leaves the held-out columns empty.
   */
  @Test
  void trainingWithoutTheHeldOutSamplesIsTrainingOnTheOthers(@TempDir Path dir) throws IOException {
    int n = 240;
    double[][] x = TestFiles.samples(n, 10, 21);
    TestFiles.npy(dir.resolve("all.npy"), x, false);
    HeldOut split = HeldOut.of(SparkTestSupport.sc(), n, 0.25, 5);
    List<double[]> kept = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      if (!split.contains(i)) {
        kept.add(x[i]);
      }
    }
    TestFiles.npy(dir.resolve("kept.npy"), kept.toArray(new double[0][]), false);
    TrainJob.Summary with = TrainFromFilesTest.train(FILES + "validation.fraction = 0.25\ninput = "
        + dir.resolve("all.npy") + "\n", dir.resolve("with"), false);
    TrainJob.Summary without = TrainFromFilesTest.train(FILES + "input = " + dir.resolve("kept.npy") + "\n",
        dir.resolve("without"), false);
    assertArrayEquals(without.dictionary(), with.dictionary());
    List<String> a = Files.readAllLines(dir.resolve("with/metrics.csv"));
    List<String> b = Files.readAllLines(dir.resolve("without/metrics.csv"));
    assertEquals(MetricsWriter.HEADER, a.get(0));
    assertEquals(MetricsWriter.HEADER, b.get(0));
    assertEquals(5, a.size());
    for (int r = 1; r < a.size(); r++) {
      String[] fa = a.get(r).split(",", -1);
      String[] fb = b.get(r).split(",", -1);
      assertEquals(16, fa.length);
      // update .. decay: everything but the times and the held-out columns
      assertEquals(List.of(fb).subList(0, 10), List.of(fa).subList(0, 10), "row " + r);
      assertEquals(List.of("", "", ""), List.of(fb).subList(13, 16), "no held-out metrics: empty");
      assertFalse(fa[14].isEmpty(), "held-out metrics at every update (metrics.every = 1)");
    }
    String props = Files.readString(dir.resolve("with/run.properties"));
    assertTrue(props.contains("validation.fraction = 0.25"), props);
  }

  /**
   * One metrics step's held-out numbers equal a single-process computation: the held-out samples
   * coded by the CPU kernel with the run's encoder (alpha = auto of the dictionary after the
   * update) under the run's final dictionary.
   */
  @Test
  void theHeldOutMetricsAreTheEncoderOnTheHeldOutSamples(@TempDir Path dir) throws IOException {
    int n = 300;
    String text = TrainFromFilesTest.SYNTHETIC.replace("partitions = 2", "partitions = 3") + "updates = 3\n"
        + "metrics.every = 2\nvalidation.fraction = 0.3\nalpha = auto\nlambda = 0.05\n";
    TrainJob.Summary s = TrainFromFilesTest.train(text, dir.resolve("run"), false);
    HeldOut split = HeldOut.of(SparkTestSupport.sc(), n, 0.3, 5);
    List<DictionaryTrainer.Update> u = s.updates();
    assertEquals(3, u.size());
    assertFalse(u.get(0).heldOut().measured(), "update 1 is not a metrics step");
    assertTrue(u.get(1).heldOut().measured() && u.get(2).heldOut().measured(), "updates 2 and 3 (the last)");
    // full batch over the training samples only
    assertEquals(split.trainingCount(), u.get(2).samples());
    assertEquals(3.0, u.get(2).epoch(), 0);

    double[] x = new double[10 * n];
    MODEL.generate(MODEL.dictionaryTilde(), 0, n, x, 0, null, null);
    int h = (int) split.heldOutCount();
    double[] held = new double[10 * h];
    int c = 0;
    for (int i = 0; i < n; i++) {
      if (split.contains(i)) {
        System.arraycopy(x, i * 10, held, 10 * c++, 10);
      }
    }
    double[] d = s.dictionary();
    double alpha = IstaStep.auto(Norms.singularValues(d, 10, 15)[0]);
    EncoderParams enc = new EncoderParams(10, alpha, 0.05, org.pudle.kernels.ThresholdKind.SOFT, 0.1, 1);
    double[] z = new double[15 * h];
    new UnfoldedIstaCpu(DictionaryOperator.of(d, 10, 15, alpha), enc).encode(held, 0, h, z, 0);
    double residual = 0;
    double energy = 0;
    double l1 = 0;
    long nnz = 0;
    for (int j = 0; j < h; j++) {
      for (int i = 0; i < 10; i++) {
        double dz = 0;
        for (int k = 0; k < 15; k++) {
          dz += d[k * 10 + i] * z[j * 15 + k];
        }
        double r = held[j * 10 + i] - dz;
        residual += r * r;
        energy += held[j * 10 + i] * held[j * 10 + i];
      }
      for (int k = 0; k < 15; k++) {
        l1 += Math.abs(z[j * 15 + k]);
        nnz += z[j * 15 + k] != 0 ? 1 : 0;
      }
    }
    DictionaryTrainer.HeldOutMetrics last = u.get(2).heldOut();
    assertEquals(residual / energy, last.representationError(), 1e-12 * residual / energy);
    double lasso = (0.5 * residual + 0.05 * l1) / h;
    assertEquals(lasso, last.lassoLoss(), 1e-12 * lasso);
    assertEquals((double) nnz / h, last.codeNonZeros(), 1e-12);
    // and as written: the last row of metrics.csv reads back to the same numbers
    List<String> rows = Files.readAllLines(dir.resolve("run/metrics.csv"));
    assertEquals(last, MetricsWriter.parse(rows.get(3)).heldOut());
    String summary = Files.readString(dir.resolve("run/summary.txt"));
    assertTrue(summary.contains("[train] held-out: rep. error"), summary);
  }

  /** A resumed run keeps the held-out columns of the updates before its checkpoint, and goes on with them. */
  @Test
  void resumeKeepsTheHeldOutColumns(@TempDir Path dir) throws IOException {
    String text = TrainFromFilesTest.SYNTHETIC + "updates = 4\ncheckpoint.every = 2\nbatch.size = 70\n"
        + "validation.fraction = 0.2\n";
    TrainFromFilesTest.train(text, dir.resolve("whole"), false);
    TrainFromFilesTest.train(text.replace("updates = 4", "updates = 2"), dir.resolve("parts"), false);
    TrainFromFilesTest.train(text, dir.resolve("parts"), true);
    List<String> whole = Files.readAllLines(dir.resolve("whole/metrics.csv"));
    List<String> parts = Files.readAllLines(dir.resolve("parts/metrics.csv"));
    assertEquals(5, parts.size());
    for (int r = 1; r < 5; r++) {
      DictionaryTrainer.HeldOutMetrics a = MetricsWriter.parse(whole.get(r)).heldOut();
      DictionaryTrainer.HeldOutMetrics b = MetricsWriter.parse(parts.get(r)).heldOut();
      assertTrue(b.measured(), "row " + r);
      assertEquals(a.representationError(), b.representationError(), 1e-12 * a.representationError(), "row " + r);
      assertEquals(a.lassoLoss(), b.lassoLoss(), 1e-12 * a.lassoLoss(), "row " + r);
    }
  }

  /** A checkpoint's rows from before the held-out columns read back with them empty. */
  @Test
  void olderRowsReadBackWithoutHeldOutMetrics() {
    String old = "3,0.5,70,1.25,1.5,0.125,2.5,,,1.0,0.25,0.5,0.75";
    DictionaryTrainer.Update u = MetricsWriter.parse(old);
    assertEquals(3, u.update());
    assertEquals(0.75, u.elapsed(), 0);
    assertFalse(u.heldOut().measured());
    assertEquals(old + ",,,", MetricsWriter.row(u));
    assertEquals(MetricsWriter.row(u), MetricsWriter.row(MetricsWriter.parse(MetricsWriter.row(u))));
  }

  @Test
  void aBadFractionExitsTwoNamingTheKey(@TempDir Path dir) throws IOException {
    for (String bad : List.of("1", "-0.1", "1.5", "half")) {
      StringWriter err = new StringWriter();
      int status = PudleMain.execute(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true), "train",
          "--set", "n=50", "--set", "validation.fraction=" + bad, "--set", "output=" + dir.resolve("out"));
      assertEquals(ExitStatus.INVALID_INPUT, status, err.toString());
      assertTrue(err.toString().contains("validation.fraction"), err.toString());
      assertFalse(Files.exists(dir.resolve("out")), "nothing written");
    }
    // the baselines code with their own solvers
    StringWriter err = new StringWriter();
    int status = PudleMain.execute(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true), "train",
        "--set", "n=50", "--set", "method=altmin", "--set", "validation.fraction=0.1", "--set", "output="
            + dir.resolve("out"));
    assertEquals(ExitStatus.INVALID_INPUT, status, err.toString());
    assertTrue(err.toString().contains("validation.fraction") && err.toString().contains("altmin"), err.toString());
  }
}
