package org.pudle.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.pudle.kernels.DictionaryOperator;
import org.pudle.kernels.EncoderParams;
import org.pudle.kernels.GradientKind;
import org.pudle.kernels.GradientSums;
import org.pudle.kernels.ThresholdKind;
import org.pudle.kernels.UnfoldedIstaCpu;
import org.pudle.kernels.data.SignMode;
import org.pudle.kernels.data.SyntheticModel;
import org.pudle.kernels.io.Npy;
import org.pudle.spark.cli.PudleMain;

/** The command line: exit codes, messages, and that bad input leaves earlier results alone. */
class CommandLineTest {

  private record Run(int status, String err) {}

  private static Run run(String... args) {
    StringWriter err = new StringWriter();
    int status = PudleMain.execute(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true), args);
    return new Run(status, err.toString());
  }

  /** A config of a few keys with {@code body} (a key = value line) in place of the line with its key. */
  private static Path config(Path dir, String body) throws IOException {
    Path c = dir.resolve("bad.properties");
    String key = body.substring(0, body.indexOf('=')).strip();
    StringBuilder sb = new StringBuilder();
    for (String line : List.of("m = 20", "p = 30", "k = 3", "n = 100", "T = 5", "updates = 2",
        "output = " + dir.resolve("out"))) {
      if (!line.startsWith(key + " ")) {
        sb.append(line).append('\n');
      }
    }
    Files.writeString(c, sb + body + "\n");
    return c;
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "lambda = -0.2 | config key 'lambda'",
      "alpha = 1.0 | sigma_max(D)^2",
      "k = 31 | config key 'k'",
      "lamda = 0.1 | did you mean 'lambda'",
      "gradient = ae-l2 | config key 'gradient'",
      "T = ten | expected an integer",
      "normalize = unit | config key 'normalize'",
      "batch.size = 101 | larger than the n = 100"})
  void invalidConfigExitsTwoAndLeavesThePreviousResult(String line, String expected, @TempDir Path dir)
      throws IOException {
    Path out = Files.createDirectories(dir.resolve("out"));
    Files.writeString(out.resolve("dictionary.npy"), "a previous result");
    Run r = run("train", config(dir, line).toString());
    assertEquals(2, r.status(), r.err());
    assertTrue(r.err().contains(expected), "message should contain '" + expected + "': " + r.err());
    assertTrue(r.err().contains("bad.properties") || r.err().contains("sigma_max"), r.err());
    assertEquals("a previous result", Files.readString(out.resolve("dictionary.npy")));
    try (var files = Files.list(out)) {
      assertEquals(1, files.count(), "nothing else written");
    }
  }

  @Test
  void missingConfigAndUnknownCommandAreUsageErrors(@TempDir Path dir) {
    Run r = run("train", dir.resolve("nope.properties").toString());
    assertEquals(2, r.status());
    assertTrue(r.err().contains("does not exist"), r.err());
    assertEquals(2, run("trian").status());
    assertEquals(0, run("train", "--keys").status());
  }

  private static void writeNpy(Path p, double[] columnMajor, int rows, int cols) throws IOException {
    try (OutputStream o = Files.newOutputStream(p)) {
      Npy.writeColumnMajor(o, columnMajor, rows, cols);
    }
  }

  private static double[] readNpy(Path p) throws IOException {
    try (InputStream in = Files.newInputStream(p)) {
      return Npy.read(in, p.toString()).columnMajor();
    }
  }

  @Test
  void gradientCommandWritesTheKernelsMeanGradient(@TempDir Path dir) throws IOException {
    int m = 16;
    int p = 24;
    int n = 37;
    SyntheticModel model = new SyntheticModel(m, p, 3, 4, SignMode.PER_SAMPLE, 0);
    double[] d = model.initialDictionary(model.dictionaryTilde(), 0.4);
    double[] samples = new double[m * n];
    model.generate(model.dictionaryTilde(), 0, n, samples, 0, null, null);
    // X.npy holds the samples as rows (n x m): its column-major form is the transpose
    double[] xColumnMajor = new double[m * n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < m; j++) {
        xColumnMajor[i + j * n] = samples[j + i * m];
      }
    }
    writeNpy(dir.resolve("D.npy"), d, m, p);
    writeNpy(dir.resolve("X.npy"), xColumnMajor, n, m);
    for (String kind : List.of("dec", "ae-ls", "ae-lasso")) {
      Path g = dir.resolve("G-" + kind + ".npy");
      Run r = run("gradient", "--dictionary", dir.resolve("D.npy").toString(), "--input", dir.resolve("X.npy").toString(),
          "--kind", kind, "--output", g.toString(), "--T", "12", "--lambda", "0.15", "--alpha", "0.25", "--ht", "0.05",
          "--decay", "0.97", "--threads", "3");
      assertEquals(0, r.status(), r.err());
      EncoderParams enc = new EncoderParams(12, 0.25, 0.15, ThresholdKind.HARD, 0.05, 0.97);
      GradientSums sums = new GradientSums(m, p);
      new UnfoldedIstaCpu(DictionaryOperator.of(d, m, p, 0.25), enc).accumulate(GradientKind.parse(kind), samples, 0, n,
          sums);
      double[] expected = sums.meanGradient();
      double[] got = readNpy(g);
      double num = 0;
      double den = 0;
      for (int i = 0; i < got.length; i++) {
        num += (got[i] - expected[i]) * (got[i] - expected[i]);
        den += expected[i] * expected[i];
      }
      assertTrue(Math.sqrt(num / den) <= 1e-12, kind + ": " + Math.sqrt(num / den));
    }
  }

  @Test
  void gradientCommandRejectsBadInputWithItsSource(@TempDir Path dir) throws IOException {
    writeNpy(dir.resolve("D.npy"), new double[] {1, 0, 0, 1, 0.5, 0.5}, 2, 3);
    writeNpy(dir.resolve("X3.npy"), new double[9], 3, 3);
    double[] nan = new double[6];
    nan[4] = Double.NaN;
    writeNpy(dir.resolve("Xnan.npy"), nan, 3, 2);
    String d = dir.resolve("D.npy").toString();
    String out = dir.resolve("G.npy").toString();
    Run r = run("gradient", "--dictionary", d, "--input", dir.resolve("X3.npy").toString(), "--kind", "dec", "--output",
        out);
    assertEquals(2, r.status());
    assertTrue(r.err().contains("X3.npy") && r.err().contains("m = 2"), r.err());
    r = run("gradient", "--dictionary", d, "--input", dir.resolve("Xnan.npy").toString(), "--kind", "dec", "--output",
        out);
    assertEquals(2, r.status());
    assertTrue(r.err().contains("Xnan.npy") && r.err().contains("row 1, column 1"), r.err());
    r = run("gradient", "--dictionary", d, "--input", dir.resolve("none.npy").toString(), "--kind", "dec", "--output",
        out);
    assertEquals(2, r.status());
    assertTrue(r.err().contains("none.npy"), r.err());
    r = run("gradient", "--dictionary", d, "--input", dir.resolve("X3.npy").toString(), "--kind", "lasso", "--output",
        out);
    assertEquals(2, r.status());
    assertTrue(r.err().contains("unknown gradient kind 'lasso'"), r.err());
    assertTrue(Files.notExists(dir.resolve("G.npy")));
  }

  /**
   * A 1.6 KB .npy whose header promises (1e8, 20) doubles is bad input naming the file, for every
   * reader of whole arrays (gradient's --input and --dictionary, train's init, encode's and
   * study's dictionary), before anything is allocated; so is a header cut short.
   */
  @Test
  void aNpyHeaderThatLiesIsBadInputForEveryReader(@TempDir Path dir) throws IOException {
    Path lie = dir.resolve("lie.npy");
    org.pudle.spark.data.TestFiles.npyWithHeader(lie, "{'descr': '<f8', 'fortran_order': True, "
        + "'shape': (100000000, 20), }", 1500);
    String cutShort = "lie.npy: .npy data cut short: the header promises shape (100000000, 20) of <f8, "
        + "16000000000 bytes of data, but the file holds 1500 bytes after its 128-byte header";
    writeNpy(dir.resolve("D.npy"), new double[] {1, 0, 0, 1, 0.5, 0.5}, 2, 3);
    String out = dir.resolve("G.npy").toString();
    Run r = run("gradient", "--dictionary", dir.resolve("D.npy").toString(), "--input", lie.toString(), "--kind",
        "dec", "--output", out);
    assertEquals(2, r.status(), r.err());
    assertTrue(r.err().contains(cutShort) && r.err().contains("(--input)"), r.err());
    r = run("gradient", "--dictionary", lie.toString(), "--input", dir.resolve("D.npy").toString(), "--kind", "dec",
        "--output", out);
    assertEquals(2, r.status(), r.err());
    assertTrue(r.err().contains(cutShort) && r.err().contains("(--dictionary)"), r.err());
    assertTrue(Files.notExists(dir.resolve("G.npy")));

    Path train = dir.resolve("train.properties");
    Files.writeString(train, "m = 20\np = 20\nk = 3\nn = 100\nT = 5\nupdates = 2\ninit = " + lie + "\noutput = "
        + dir.resolve("out") + "\n");
    r = run("train", train.toString());
    assertEquals(2, r.status(), r.err());
    assertTrue(r.err().contains(cutShort) && r.err().contains("config key 'init'"), r.err());
    Path encode = dir.resolve("encode.properties");
    Files.writeString(encode, "input = " + dir.resolve("D.npy") + "\ndictionary = " + lie + "\noutput = "
        + dir.resolve("out") + "\n");
    r = run("encode", encode.toString());
    assertEquals(2, r.status(), r.err());
    assertTrue(r.err().contains(cutShort) && r.err().contains("config key 'dictionary'"), r.err());
    Path study = dir.resolve("study.properties");
    Files.writeString(study, "m = 20\np = 20\nk = 3\nT = 5\ngrid = 1,2\nsweep.n = 100\ndictionary = " + lie
        + "\noutput = " + dir.resolve("out") + "\n");
    r = run("study", study.toString());
    assertEquals(2, r.status(), r.err());
    assertTrue(r.err().contains(cutShort), r.err());
    assertTrue(Files.notExists(dir.resolve("out")), "nothing written");

    Path cut = dir.resolve("cut.npy");
    Files.write(cut, java.util.Arrays.copyOf(Files.readAllBytes(dir.resolve("D.npy")), 50));
    r = run("gradient", "--dictionary", cut.toString(), "--input", dir.resolve("D.npy").toString(), "--kind", "dec",
        "--output", out);
    assertEquals(2, r.status(), r.err());
    assertTrue(r.err().contains("cut.npy: .npy header cut short: the file ends after 50 bytes, inside its 118-byte "
        + "header (--dictionary)"), r.err());
  }

  @Test
  void helpListsEveryCommandWithASummaryThatIsAWholeSentence() {
    StringWriter out = new StringWriter();
    assertEquals(0, PudleMain.execute(new PrintWriter(out, true), new PrintWriter(new StringWriter(), true), "--help"));
    String help = out.toString();
    java.util.Map<String, String> summaries = new java.util.LinkedHashMap<>();
    String current = null;
    for (String line : help.substring(help.indexOf("Commands:") + "Commands:".length()).split("\n")) {
      java.util.regex.Matcher mt = java.util.regex.Pattern.compile("^  (\\S+)\\s+(.*)$").matcher(line);
      if (mt.matches()) {
        current = mt.group(1);
        summaries.put(current, mt.group(2).trim());
      } else if (current != null && !line.isBlank()) {
        summaries.put(current, summaries.get(current) + " " + line.trim());
      }
    }
    assertEquals(List.of("train", "gradient", "bench", "encode", "reconstruct", "study", "compare", "denoise-train", "denoise",
        "denoise-bench", "keys", "help"), List.copyOf(summaries.keySet()), help);
    for (var e : summaries.entrySet()) {
      assertTrue(e.getValue().endsWith(".") && e.getValue().chars().filter(c -> c == ':').count() == 0,
          e.getKey() + ": '" + e.getValue() + "' is not a whole sentence");
    }
  }
}
