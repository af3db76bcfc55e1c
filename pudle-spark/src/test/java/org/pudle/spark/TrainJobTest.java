package org.pudle.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pudle.kernels.io.Npy;
import org.pudle.spark.config.Config;
import org.pudle.spark.config.TrainParams;
import org.pudle.spark.train.MetricsWriter;
import org.pudle.spark.train.TrainJob;

class TrainJobTest {

  private static TrainJob.Summary train(String text, Path out) throws IOException {
    Config c = Config.fromString(text + "\noutput = " + out + "\nprogress.seconds = 1000\n");
    TrainParams params = TrainParams.from(c);
    PrintStream console = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    return TrainJob.run(SparkTestSupport.sc(), TrainJob.prepare(c, params), c.values(), console, false);
  }

  private static double[] readNpy(Path p) throws IOException {
    try (InputStream in = Files.newInputStream(p)) {
      return Npy.read(in, p.toString()).columnMajor();
    }
  }

  /** The paper's B.1 shapes with a smaller n: g_ae-ls from D0 (tau_B = 0.55/log m). */
  @Test
  void aeLsTrainingLowersTheErrorToDTildeFiveFold(@TempDir Path dir) throws IOException {
    Path out = dir.resolve("b1");
    TrainJob.Summary s = train("m=50\np=100\nk=5\nn=2000\nseed=1\ninit.tau=0.55/log(m)\nT=100\nlambda=0.2\n"
        + "alpha=0.2\ngradient=ae-ls\nupdates=50\nadam.lr=1e-2\npartitions=2", out);
    assertTrue(s.initialErrorSpectral() > 0.1, "D0 starts away from D_tilde: " + s.initialErrorSpectral());
    double ratio = s.initialErrorSpectral() / s.finalErrorSpectral();
    assertTrue(ratio >= 5, "error " + s.initialErrorSpectral() + " -> " + s.finalErrorSpectral() + " is only "
        + ratio + "x lower");

    // the outputs
    assertArrayEquals(s.dictionary(), readNpy(out.resolve("dictionary.npy")), 0.0);
    assertArrayEquals(s.initial(), readNpy(out.resolve("initial-dictionary.npy")), 0.0);
    List<String> csv = Files.readAllLines(out.resolve("dictionary.csv"));
    assertEquals(50, csv.size());
    String[] row7 = csv.get(7).split(",");
    assertEquals(100, row7.length);
    assertEquals(s.dictionary()[7 + 33 * 50], Double.parseDouble(row7[33]), 0.0);
    List<String> metrics = Files.readAllLines(out.resolve("metrics.csv"));
    assertEquals(MetricsWriter.HEADER, metrics.get(0));
    assertEquals(51, metrics.size());
    String[] last = metrics.get(50).split(",", -1);
    assertEquals("50", last[0]);
    assertEquals(s.finalErrorSpectral(), Double.parseDouble(last[7]), 1e-15);
    byte[] png = Files.readAllBytes(out.resolve("learning-curve.png"));
    assertTrue(png.length > 1000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G');
    String props = Files.readString(out.resolve("run.properties"));
    assertTrue(props.contains("gradient = ae-ls") && props.contains("adam.beta2 = 0.999"), props);
    try (var files = Files.list(out)) {
      assertTrue(files.noneMatch(f -> f.getFileName().toString().endsWith(".inprogress")), "no temporary files left");
    }
  }

  @Test
  void miniBatchesCountSamplesAndEpochs(@TempDir Path dir) throws IOException {
    TrainJob.Summary s = train("m=10\np=15\nk=2\nn=200\nT=5\nupdates=6\nbatch.size=50\nadam.lr=1e-3\n"
        + "gradient=dec\nlambda.decay=0.99\nlambda.decay.step=0.01\nlambda.decay.every=4\nmetrics.every=3",
        dir.resolve("mb"));
    assertEquals(6, s.updates().size());
    for (var u : s.updates()) {
      assertEquals(50, u.samples());
    }
    assertEquals(1.5, s.updates().get(5).epoch(), 1e-15);
    assertEquals(0.99, s.updates().get(3).decay(), 1e-15);
    assertEquals(0.98, s.updates().get(4).decay(), 1e-15);
    assertTrue(Double.isNaN(s.updates().get(0).errorSpectral()), "errors only every 3 updates");
    assertTrue(Double.isFinite(s.updates().get(2).errorSpectral()));
    assertTrue(Double.isFinite(s.updates().get(5).errorSpectral()));
  }
}
