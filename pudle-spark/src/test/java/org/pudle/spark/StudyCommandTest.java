package org.pudle.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.pudle.kernels.io.Npy;
import org.pudle.spark.cli.PudleMain;
import org.pudle.spark.config.Commands;

/** pudle study on the command line: bad input exits 2, names its source and writes nothing. */
class StudyCommandTest {

  private record Run(int status, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int status = PudleMain.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
    return new Run(status, out.toString(), err.toString());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "grid = 0,5 | config key 'grid'",
      "grid = 3,x | config key 'grid'",
      "grid = 4,30 | 1..T = 20",
      "groups = 0 | config key 'groups'",
      "groups = 200 | config key 'groups'",
      "sweep.n = 1e3,abc | config key 'sweep.n'",
      "dstar.eta = -1 | config key 'dstar.eta'",
      "lasso.tolerance = 0 | config key 'lasso.tolerance'",
      "gradient = dec | unknown config key",
      "alpha = 1.0 | sigma_max(D)^2",
      "dictionary = DIR/missing.npy | missing.npy",
      "dictionary = DIR/wrong.npy | expected an m x p = 10 x 16 matrix"})
  void invalidInputExitsTwoAndLeavesThePreviousResult(String line, String expected, @TempDir Path dir)
      throws IOException {
    try (OutputStream o = Files.newOutputStream(dir.resolve("wrong.npy"))) {
      Npy.writeColumnMajor(o, new double[12], 3, 4);
    }
    Path out = Files.createDirectories(dir.resolve("out"));
    Files.writeString(out.resolve("study.csv"), "a previous result");
    Path c = dir.resolve("bad.properties");
    Files.writeString(c, "m = 10\np = 16\nk = 2\nn = 100\nT = 20\ndstar.cache = " + dir.resolve("cache")
        + "\noutput = " + out + "\n" + line.replace("DIR", dir.toString()) + "\n");
    Run r = run("study", c.toString());
    assertEquals(2, r.status(), r.err());
    assertTrue(r.err().contains(expected), "message should contain '" + expected + "': " + r.err());
    assertEquals("a previous result", Files.readString(out.resolve("study.csv")));
    try (var files = Files.list(out)) {
      assertEquals(1, files.count(), "nothing else written");
    }
    assertTrue(Files.notExists(dir.resolve("cache")), "no D* computed");
  }

  @Test
  void keysAndHelp() {
    Run keys = run("study", "--keys");
    assertEquals(0, keys.status());
    for (String k : Commands.STUDY.names()) {
      assertTrue(keys.out().contains(k), k);
    }
    assertEquals(2, run("study").status());
    Run help = run("help", "study");
    assertEquals(0, help.status());
    assertTrue(help.out().contains("--sweep"), help.out());
  }
}
