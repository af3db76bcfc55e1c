package org.pudle.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.pudle.spark.cli.PudleMain;
import org.pudle.spark.config.CompareParams;
import org.pudle.spark.config.Config;
import org.pudle.spark.config.Method;
import org.pudle.spark.config.TrainParams;
import org.pudle.spark.train.CompareJob;
import org.pudle.spark.train.MetricsWriter;
import org.pudle.spark.train.TrainJob;

/** {@code pudle compare}: the runs are the trainer's, from one D0 on one cached RDD. */
class CompareJobTest {
  private static final String SHARED = "m = 20\np = 30\nk = 2\nn = 300\nseed = 3\ninit.tau = 1/log(m)\nT = 10\n"
      + "updates = 12\nbatch.size = 50\nadam.lr = 1e-2\nadam.eps = 1e-3\npartitions = 2\nprogress.seconds = 1000\n";
  private static final String RUNS = "compare = ae-ls, ae-ls-HT, noodl, altmin\n"
      + "compare.ae-ls-HT.threshold = hard\ncompare.ae-ls-HT.ht.b = 0.1\n"
      + "compare.noodl.method = noodl\ncompare.noodl.noodl.eta = 0.5\n"
      + "compare.altmin.method = altmin\ncompare.altmin.altmin.eta = 2\n";

  private static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);

  private static TrainJob.Summary train(String text) throws IOException {
    Config c = Config.fromString(text);
    TrainParams params = TrainParams.from(c);
    return TrainJob.run(SparkTestSupport.sc(), params, c.values(), QUIET);
  }

  @Test
  void runsAreTheTrainersRunsOnTheSameDataFromTheSameStart(@TempDir Path dir) throws IOException {
    Path out = dir.resolve("cmp");
    Config c = Config.fromString(SHARED + RUNS + "output = " + out + "\n");
    CompareJob.Prepared prepared = CompareJob.prepare(c);
    CompareParams params = prepared.params();
    assertEquals(List.of("ae-ls", "ae-ls-HT", "noodl", "altmin"),
        params.runs().stream().map(CompareParams.Run::name).toList());
    CompareJob.Summary s = CompareJob.run(SparkTestSupport.sc(), prepared, c.values(), QUIET);
    assertTrue(s.failed().isEmpty());
    for (CompareJob.RunResult r : s.runs()) {
      assertEquals(12, r.updates().size(), r.name());
      assertTrue(r.updates().stream().allMatch(u -> u.samples() == 50), r.name());
      assertTrue(r.updates().get(11).errorSpectral() < s.initialError(), r.name() + " lowers the error");
    }

    // each run is exactly what `pudle train` does with the run's settings
    String[] trainOverrides = {"", "threshold = hard\nht.b = 0.1\n", "method = noodl\nnoodl.eta = 0.5\n",
        "method = altmin\naltmin.eta = 2\n"};
    for (int i = 0; i < 4; i++) {
      TrainJob.Summary t = train(SHARED + trainOverrides[i] + "output = " + dir.resolve("t" + i) + "\n");
      CompareJob.RunResult r = s.runs().get(i);
      assertArrayEquals(t.dictionary(), r.dictionary(), 0.0, r.name());
      assertEquals(t.initialErrorSpectral(), s.initialError(), 0.0);
    }
    assertEquals(Method.NOODL.key(), s.run("noodl").method());
    for (CompareJob.RunResult r : s.runs()) {
      // from a close start the atoms keep their places: matching changes nothing
      assertEquals(r.updates().get(11).errorSpectral(), r.matchedError(), 1e-9, r.name());
    }

    // outputs
    List<String> curves = Files.readAllLines(out.resolve("curves.csv"));
    assertEquals("update,ae-ls,ae-ls-HT,noodl,altmin", curves.get(0));
    assertEquals(14, curves.size());
    String[] row0 = curves.get(1).split(",");
    for (int i = 1; i <= 4; i++) {
      assertEquals(s.initialError(), Double.parseDouble(row0[i]), 0.0);
    }
    String[] row12 = curves.get(13).split(",");
    assertEquals("12", row12[0]);
    assertEquals(s.run("altmin").updates().get(11).errorSpectral(), Double.parseDouble(row12[4]), 0.0);
    List<String> metrics = Files.readAllLines(out.resolve("metrics.csv"));
    assertEquals("run," + MetricsWriter.HEADER, metrics.get(0));
    assertEquals(1 + 4 * 12, metrics.size());
    assertTrue(metrics.get(13).startsWith("ae-ls-HT,1,"), metrics.get(13));
    List<String> summary = Files.readAllLines(out.resolve("summary.csv"));
    assertEquals(CompareJob.SUMMARY_HEADER, summary.get(0));
    assertEquals(5, summary.size());
    assertTrue(summary.get(3).startsWith("noodl,noodl,12,"), summary.get(3));
    byte[] png = Files.readAllBytes(out.resolve("comparison.png"));
    assertTrue(png.length > 1000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G');
    for (String f : List.of("ae-ls-dictionary.npy", "altmin-dictionary.npy", "initial-dictionary.npy",
        "generating-dictionary.npy", "summary.txt")) {
      assertTrue(Files.isRegularFile(out.resolve(f)), f);
    }

    // run.properties reads back into the same comparison (alpha = auto resolved from the same D0)
    CompareParams again = CompareJob.prepare(Config.load(out.resolve("run.properties").toString(), List.of()))
        .params();
    assertEquals(params.runs().size(), again.runs().size());
    for (int i = 0; i < params.runs().size(); i++) {
      TrainParams a = params.runs().get(i).params();
      TrainParams b = again.runs().get(i).params();
      assertEquals(a.method(), b.method());
      assertEquals(a.encoder(), b.encoder());
      assertEquals(a.data(), b.data());
      assertEquals(a.adam(), b.adam());
      assertEquals(a.batchSize(), b.batchSize());
    }
  }

  private record Run(int status, String err) {}

  /** Runs the command line; the job's console lines (System.out) are swallowed. */
  private static Run cli(String... args) {
    StringWriter err = new StringWriter();
    PrintStream out = System.out;
    System.setOut(QUIET);
    try {
      int status = PudleMain.execute(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true), args);
      return new Run(status, err.toString());
    } finally {
      System.setOut(out);
    }
  }

  /** A run whose IHT step is far too long diverges; it is reported, the others finish, exit 1. */
  @Test
  void aFailedRunIsReportedAndTheOthersFinish(@TempDir Path dir) throws IOException {
    Path out = dir.resolve("out");
    Path config = dir.resolve("diverge.properties");
    Files.writeString(config, SHARED.replace("updates = 12", "updates = 3") + "output = " + out + "\n"
        + "compare = ae-ls, noodl\ncompare.noodl.method = noodl\ncompare.noodl.noodl.eta.x = 50\n"
        + "compare.noodl.noodl.max.iterations = 200\n");
    Run r = cli("compare", config.toString());
    assertEquals(1, r.status(), r.err());
    assertTrue(r.err().contains("run noodl failed at update 1") && r.err().contains("not finite"), r.err());
    assertTrue(Files.isRegularFile(out.resolve("ae-ls-dictionary.npy")));
    assertFalse(Files.exists(out.resolve("noodl-dictionary.npy")));
    List<String> summary = Files.readAllLines(out.resolve("summary.csv"));
    assertTrue(summary.get(1).startsWith("ae-ls,pudle,3,") && summary.get(1).endsWith(","), summary.get(1));
    assertTrue(summary.get(2).startsWith("noodl,noodl,0,") && summary.get(2).contains("not finite"), summary.get(2));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "compare.noodl.m = 40 | every run shares the data",
      "compare.nodl.method = noodl | 'nodl' is not a run of compare = ae-ls, noodl",
      "compare.noodl.noodl.etaa = 1 | did you mean 'noodl.eta'",
      "compare.noodl.method = nodl | config key 'method' (",
      "compare.noodl.noodl.tau = -1 | config key 'noodl.tau'",
      "compare.noodl = 1 | expected compare.<run>.<key>",
      "compare.ae-ls.alpha = 0.9 | sigma_max(D)^2",
      "compare = ae-ls, ae-ls | listed twice",
      "compare.only = nodl | 'nodl' is not a run of compare = ae-ls, noodl"})
  void invalidComparisonsExitTwoAndWriteNothing(String line, String expected, @TempDir Path dir) throws IOException {
    Path out = dir.resolve("out");
    Path config = dir.resolve("bad.properties");
    // the line replaces the line of its key (a key given twice in a file is an error of its own)
    String key = line.substring(0, line.indexOf('=')).strip();
    String base = (SHARED + "output = " + out + "\ncompare = ae-ls, noodl\ncompare.noodl.method = noodl\n")
        .replaceAll("(?m)^" + java.util.regex.Pattern.quote(key) + " =[^\n]*\n", "");
    Files.writeString(config, base + line + "\n");
    Run r = cli("compare", config.toString());
    assertEquals(2, r.status(), r.err());
    assertTrue(r.err().contains(expected), "message should contain '" + expected + "': " + r.err());
    assertTrue(r.err().contains("bad.properties") || r.err().contains("sigma_max"), r.err());
    assertFalse(Files.exists(out), "nothing written");
  }

  @Test
  void onlyPicksSomeRunsInLegendOrder(@TempDir Path dir) {
    Config c = Config.fromString(SHARED + RUNS + "output = " + dir + "\ncompare.only = noodl, ae-ls\n");
    CompareParams params = CompareParams.from(c);
    assertEquals(List.of("ae-ls", "noodl"), params.runs().stream().map(CompareParams.Run::name).toList());
    assertEquals(Method.NOODL, params.runs().get(1).params().method().method());
    assertEquals(0.5, params.runs().get(1).params().method().noodlEta(), 0.0);
  }

  @Test
  void aConfigWithoutRunsIsAUsageError(@TempDir Path dir) throws IOException {
    Path config = dir.resolve("none.properties");
    Files.writeString(config, SHARED + "output = " + dir.resolve("out") + "\n");
    Run r = cli("compare", config.toString());
    assertEquals(2, r.status());
    assertTrue(r.err().contains("config key 'compare'"), r.err());
    assertEquals(0, cli("compare", "--keys").status());
  }
}
