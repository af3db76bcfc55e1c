package org.pudle.spark.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.pudle.spark.SparkTestSupport;
import org.pudle.spark.cli.PudleMain;

/**
 * Each kind of bad input: {@code pudle train} exits with status 2, the message names the file
 * and the row and column, and nothing is written. With {@code input.bad.rows=skip} the same rows
 * are skipped and counted.
 */
class BadInputTest {

  @BeforeAll
  static void spark() {
    SparkTestSupport.sc(); // the command's Spark session is the shared test one
  }

  private record Run(int status, String err, String out) {}

  private static Run train(Path dir, String input, String... extra) throws IOException {
    StringBuilder cfg = new StringBuilder("input = " + input + "\np = 2\nT = 3\nupdates = 2\nprogress.seconds = 1000\n"
        + "output = " + dir.resolve("out") + "\n");
    for (String e : extra) {
      cfg.append(e).append('\n');
    }
    Path c = dir.resolve("run.properties");
    Files.writeString(c, cfg.toString());
    StringWriter err = new StringWriter();
    // train reports on System.out: keep the test quiet and read the report
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    PrintStream saved = System.out;
    System.setOut(new PrintStream(console, true, StandardCharsets.UTF_8));
    int status;
    try {
      status = PudleMain.execute(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true), "train",
          c.toString());
    } finally {
      System.setOut(saved);
    }
    return new Run(status, err.toString(), console.toString(StandardCharsets.UTF_8));
  }

  private static byte[] jpeg() throws IOException {
    BufferedImage img = new BufferedImage(32, 32, BufferedImage.TYPE_BYTE_GRAY);
    for (int y = 0; y < 32; y++) {
      for (int x = 0; x < 32; x++) {
        img.getRaster().setSample(x, y, 0, (x * y) % 256);
      }
    }
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ImageIO.write(img, "jpeg", o);
    return o.toByteArray();
  }

  /** Makes the bad input of a case in {@code dir}/in and returns the input path. */
  private static String make(String kind, Path dir) throws IOException {
    Path in = Files.createDirectories(dir.resolve("in"));
    double[][] good = TestFiles.samples(3, 3, 1);
    switch (kind) {
      case "row-dimension":
        TestFiles.csv(in.resolve("a.csv"), good, ",", null);
        Files.writeString(in.resolve("bad.csv"), "1,2,3\n\n4,5\n");
        return in.toString();
      case "file-dimension":
        TestFiles.npy(in.resolve("a.npy"), good, false);
        TestFiles.npy(in.resolve("bad.npy"), TestFiles.samples(2, 4, 2), false);
        return in.toString();
      case "nan":
        Files.writeString(in.resolve("bad.csv"), "x,y,z\n1,2,3\n1,nan,3\n");
        return in.toString();
      case "inf":
        double[][] inf = TestFiles.samples(3, 3, 3);
        inf[1][0] = Double.POSITIVE_INFINITY;
        TestFiles.npy(in.resolve("bad.npy"), inf, true);
        return in.toString();
      case "non-numeric":
        Files.writeString(in.resolve("bad.csv"), "1,2,3\n1,2,abc\n");
        return in.toString();
      case "empty":
        TestFiles.csv(in.resolve("a.csv"), good, ",", null);
        Files.writeString(in.resolve("bad.csv"), "");
        return in.toString();
      case "missing":
        return in.resolve("nope").toString();
      case "dtype":
        TestFiles.npy32(in.resolve("bad.npy"), good, "<i4");
        return in.toString();
      case "png":
        TestFiles.grayPng(in.resolve("ok.png"), 16, 16, 0);
        byte[] png = Files.readAllBytes(in.resolve("ok.png"));
        Files.delete(in.resolve("ok.png"));
        Files.write(in.resolve("bad.png"), Arrays.copyOf(png, png.length / 2));
        return in.toString();
      case "jpeg":
        byte[] jpg = jpeg();
        Files.write(in.resolve("bad.jpg"), Arrays.copyOf(jpg, jpg.length * 2 / 3));
        return in.toString();
      case "not-an-image":
        Files.writeString(in.resolve("bad.png"), "this is text, not an image");
        return in.toString();
      case "parquet":
        Files.writeString(in.resolve("bad.parquet"), "PAR1 not really");
        return in.toString();
      case "npy-extra-key":
        TestFiles.npyWithHeader(in.resolve("bad.npy"), "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), "
            + "'x': 1}", 48);
        return in.toString();
      case "npy-no-brace":
        TestFiles.npyWithHeader(in.resolve("bad.npy"), "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), ",
            48);
        return in.toString();
      case "npy-cut-header":
        TestFiles.npy(in.resolve("ok.npy"), good, false);
        byte[] npy = Files.readAllBytes(in.resolve("ok.npy"));
        Files.delete(in.resolve("ok.npy"));
        Files.write(in.resolve("bad.npy"), Arrays.copyOf(npy, 40));
        return in.toString();
      case "npy-lying-shape":
        // 1.6 KB whose header promises 30000000 x 20 doubles (4.8 GB)
        TestFiles.npyWithHeader(in.resolve("bad.npy"), "{'descr': '<f8', 'fortran_order': True, "
            + "'shape': (30000000, 20), }", 1500);
        return in.toString();
      case "quoted-comma":
        Files.writeString(in.resolve("bad.csv"), "\"a\",\"b, \"\"quoted\"\"\",c\n1,2,3\n\"1,5\",2,3\n");
        return in.toString();
      case "symlink-loop":
        TestFiles.npy(in.resolve("a.npy"), good, false);
        Files.createSymbolicLink(in.resolve("loop"), in);
        return in.toString();
      case "huge-png":
        // a valid PNG of 392 KB whose 20000 x 20000 pixels take 3.2 GB as doubles
        TestFiles.blankPng(in.resolve("bad.png"), 20000, 20000);
        return in.toString();
      case "foo-scheme":
        return "foo://host/data";
      case "abfs-without-its-module":
        return "abfs://container@account.dfs.core.windows.net/data";
      default:
        throw new IllegalArgumentException(kind);
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "row-dimension | bad.csv: line 3: expected m = 3 values (as in ",
      "file-dimension | bad.npy: row 0: expected m = 3 values (as in ",
      "nan | bad.csv: line 3, column 2: value NaN is not finite",
      "inf | bad.npy: row 1, column 0: value Infinity is not finite",
      "non-numeric | bad.csv: line 2, column 3: 'abc' is not a number",
      "empty | bad.csv: empty file (no samples)",
      "missing | nope (config key 'input'): no such file or directory",
      "dtype | bad.npy: unsupported .npy dtype '<i4'",
      "png | bad.png: corrupt PNG image",
      "jpeg | bad.jpg: corrupt JPEG image",
      "not-an-image | bad.png: corrupt image or not a PNG, JPEG or PGM file",
      "parquet | bad.parquet is not a Parquet file",
      "npy-extra-key | bad.npy: malformed .npy header (expected exactly the keys 'descr', 'fortran_order' and "
          + "'shape', got 'descr', 'fortran_order', 'shape', 'x')",
      "npy-no-brace | bad.npy: malformed .npy header (the dict is not closed (no '}')",
      "npy-cut-header | bad.npy: .npy header cut short: the file ends after 40 bytes, inside its 118-byte header",
      "npy-lying-shape | bad.npy: .npy data cut short: the header promises shape (30000000, 20) of <f8, 4800000000 "
          + "bytes of data, but the file holds 1500 bytes after its 128-byte header",
      "quoted-comma | bad.csv: line 3, column 1: '1,5' is not a number",
      "symlink-loop | in/loop is a symbolic link loop: it leads back to ",
      "huge-png | bad.png: the PNG image of 20000 x 20000 pixels takes 3.0 GB as doubles, more than the ",
      "foo-scheme | foo://host/data (config key 'input'): no filesystem for the scheme 'foo://'",
      "abfs-without-its-module | (config key 'input'): no filesystem for the scheme 'abfs://': its class "
          + "org.apache.hadoop.fs.azurebfs.AzureBlobFileSystem is not on the classpath; add the module hadoop-azure"})
  void badInputExitsTwoNamingTheFileAndRow(String kind, String expected, @TempDir Path dir) throws IOException {
    String input = make(kind, dir);
    Run r = train(dir, input, "image.patch = 4");
    assertEquals(2, r.status(), r.err());
    assertTrue(r.err().contains(expected), "expected '" + expected + "' in: " + r.err());
    assertTrue(Files.notExists(dir.resolve("out")), "nothing written");
  }

  @Test
  void skipModeSkipsCountsAndReports(@TempDir Path dir) throws IOException {
    Path in = Files.createDirectories(dir.resolve("in"));
    TestFiles.csv(in.resolve("a.csv"), TestFiles.samples(3, 3, 1), ",", null);
    Files.writeString(in.resolve("b.csv"), "1,2,3\n4,5\n1,nan,3\n1,2,x\n7,8,9\n");
    Files.writeString(in.resolve("c.csv"), "");
    double[][] c = TestFiles.samples(3, 3, 2);
    c[0][2] = Double.NEGATIVE_INFINITY;
    TestFiles.npy(in.resolve("d.npy"), c, false);
    Files.writeString(in.resolve("e.png"), "not a png");

    FileSource src = FileSource.open(SparkTestSupport.sc(), FileSourceTest.params(in.toString(),
        "input.bad.rows = skip"));
    assertEquals(3 + 2 + 2, src.count());
    assertEquals(4, src.badRows());
    assertEquals(2, src.badFiles().size());
    assertEquals(4, src.problems().size(), "one line per file with problems: " + src.problems());
    double[][] x = TestFiles.collect(src.blocks(SparkTestSupport.sc(), 2, 3), src.count());
    assertEquals(7.0, x[4][0], 0, "the good rows of b.csv follow a.csv's three");
    assertEquals(c[1][0], x[5][0], 0, "then the good rows of d.npy");

    Run r = train(dir, in.toString(), "input.bad.rows = skip");
    assertEquals(0, r.status(), r.err());
    String summary = Files.readString(dir.resolve("out").resolve("summary.txt"));
    assertTrue(summary.contains("n=7, skipped 4 bad rows and 2 bad files"), summary);
    assertTrue(r.out().contains("[train] skipped: " + in.toUri().toString().replace("file:///", "file:/") + "c.csv: empty file"),
        r.out());
  }
}
