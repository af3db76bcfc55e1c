package org.pudle.spark.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pudle.spark.SparkTestSupport;

/**
 * Files cut into splits by size read as the whole files do: the same samples in the same order,
 * the same line and row numbers in messages, the same partitions and blocks; partitions follow
 * the size of the samples.
 */
class InputSplitTest {
  private static final int M = 7;

  private static JavaSparkContext sc() {
    return SparkTestSupport.sc();
  }

  private static void assertSamples(double[][] expected, FileSource src) {
    assertEquals(expected.length, src.count(), "n");
    for (int[] layout : new int[][] {{3, 5}, {1, 1000}}) {
      double[][] got = TestFiles.collect(src.blocks(sc(), layout[0], layout[1]), src.count());
      for (int i = 0; i < expected.length; i++) {
        assertArrayEquals(expected[i], got[i], 0, "sample " + i + " with " + layout[0] + " partitions");
      }
    }
  }

  /**
   * A CSV of 300 lines with a header, comments, blank lines, CR LF and lone CR line ends and quoted
   * fields, in splits of 2 KB: the lines that start in each split, each once; a bad value far
   * into the file is reported at its line in the file.
   */
  @Test
  void csvSplitsByLinesGiveTheSamplesAndLineNumbersOfTheWholeFile(@TempDir Path dir) throws IOException {
    double[][] x = TestFiles.samples(260, M, 11);
    StringBuilder sb = new StringBuilder("\"a\",\"b, with a comma\",c,d,e,f,g\n");
    List<double[]> good = new ArrayList<>();
    int line = 1;
    int badLine = 0;
    for (int i = 0; i < x.length; i++) {
      if (i % 17 == 3) {
        sb.append("# a comment\n");
        line++;
      }
      if (i % 23 == 5) {
        sb.append("\r\n"); // after a line that ends in a lone CR, "\n" alone would complete its CR LF
        line++;
      }
      line++;
      StringBuilder row = new StringBuilder();
      for (int j = 0; j < M; j++) {
        String v = Double.toString(x[i][j]);
        row.append(j > 0 ? "," : "").append(j == 2 ? "\"" + v + "\"" : v);
      }
      if (i == 230) {
        row.append("x"); // the last field becomes "...x": not a number
        badLine = line;
      } else {
        good.add(x[i]);
      }
      sb.append(row).append(i % 3 == 0 ? "\r\n" : i % 7 == 1 ? "\r" : "\n");
    }
    Path csv = dir.resolve("x.csv");
    Files.writeString(csv, sb.toString());
    FileSource whole = FileSource.open(sc(), FileSourceTest.params(csv.toString(), "input.bad.rows = skip"));
    FileSource split = FileSource.open(sc(), FileSourceTest.params(csv.toString(), "input.bad.rows = skip",
        "input.split.mb = 0.001953125"));
    assertEquals(1, whole.splitCount());
    assertTrue(split.splitCount() > 10, "splits: " + split.splitCount());
    String expected = "x.csv: line " + badLine + ", column 7: '";
    assertEquals(1, split.problems().size(), split.problems().toString());
    assertTrue(split.problems().get(0).contains(expected), expected + " in " + split.problems());
    assertEquals(whole.problems(), split.problems());
    assertSamples(good.toArray(new double[0][]), whole);
    assertSamples(good.toArray(new double[0][]), split);

    InputException e = assertThrows(InputException.class, () -> FileSource.open(sc(),
        FileSourceTest.params(csv.toString(), "input.split.mb = 0.001953125")));
    assertTrue(e.getMessage().contains(expected), e.getMessage());
  }

  /**
   * {@code .npy} files in C and Fortran order, float64 and float32, in splits of 2 KB: each split
   * reads its rows (Fortran order: a run per column), the samples are those of the whole file;
   * a bad row is reported at its row in the file.
   */
  @Test
  void npySplitsByRowsInBothOrders(@TempDir Path dir) throws IOException {
    int n = 1000;
    double[][] x = TestFiles.samples(n, M, 12);
    double[][] x32 = new double[n][M];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < M; j++) {
        x32[i][j] = (float) x[i][j];
      }
    }
    TestFiles.npy(dir.resolve("c.npy"), x, false);
    TestFiles.npy(dir.resolve("f.npy"), x, true);
    TestFiles.npy32(dir.resolve("c32.npy"), x, "<f4");
    for (String name : List.of("c.npy", "f.npy", "c32.npy")) {
      FileSource src = FileSource.open(sc(), FileSourceTest.params(dir.resolve(name).toString(),
          "input.split.mb = 0.001953125"));
      assertTrue(src.splitCount() > 10, name + ": " + src.splitCount() + " splits");
      assertSamples(name.equals("c32.npy") ? x32 : x, src);
    }

    double[][] bad = TestFiles.samples(n, M, 13);
    bad[777][3] = Double.NaN;
    Path fb = Files.createDirectories(dir.resolve("bad")).resolve("f.npy");
    TestFiles.npy(fb, bad, true);
    FileSource src = FileSource.open(sc(), FileSourceTest.params(fb.toString(), "input.split.mb = 0.001953125",
        "input.bad.rows = skip"));
    assertEquals(List.of(fb.toUri().toString().replace("file:///", "file:/") + ": row 777, column 3: value NaN is "
        + "not finite"), src.problems());
    List<double[]> rest = new ArrayList<>(List.of(bad));
    rest.remove(777);
    assertSamples(rest.toArray(new double[0][]), src);
  }

  /**
   * Partition j of P holds the samples [j n / P, (j+1) n / P) in blocks of block.size from its
   * start, however the files are split: the layout (and so the arithmetic) of reading whole files
   * into index ranges.
   */
  @Test
  void partitionsAndBlocksAreIndexRangesWhateverTheSplits(@TempDir Path dir) throws IOException {
    double[][] x = TestFiles.samples(500, M, 14);
    Path in = Files.createDirectories(dir.resolve("in"));
    TestFiles.npy(in.resolve("a.npy"), java.util.Arrays.copyOfRange(x, 0, 170), false);
    TestFiles.csv(in.resolve("b.csv"), java.util.Arrays.copyOfRange(x, 170, 333), ",", null);
    TestFiles.npy(in.resolve("c.npy"), java.util.Arrays.copyOfRange(x, 333, 500), true);
    for (String split : List.of("128", "0.001")) {
      FileSource src = FileSource.open(sc(), FileSourceTest.params(in.toString(), "input.split.mb = " + split));
      int parts = 3;
      int block = 64;
      List<List<SampleBlock>> partitions = src.blocks(sc(), parts, block).glom().collect();
      assertEquals(parts, partitions.size());
      for (int j = 0; j < parts; j++) {
        long start = j * 500L / parts;
        long end = (j + 1) * 500L / parts;
        List<String> layout = new ArrayList<>();
        List<String> expected = new ArrayList<>();
        for (long b = start; b < end; b += block) {
          expected.add(b + "+" + Math.min(block, end - b));
        }
        for (SampleBlock b : partitions.get(j)) {
          layout.add(b.first() + "+" + b.cols());
          assertEquals((long) b.cols() * M, b.x().length, "a block's array holds the block only");
        }
        assertEquals(expected, layout, "split " + split + ", partition " + j);
      }
      assertSamples(x, src);
    }
  }

  /**
   * With partitions = 0 a file input has one partition per input.split.mb of samples as doubles,
   * and at least Spark's default parallelism.
   */
  @Test
  void defaultPartitionsFollowTheSizeOfTheSamples(@TempDir Path dir) throws IOException {
    TestFiles.npy(dir.resolve("x.npy"), TestFiles.samples(1000, M, 15), false);
    // 1000 x 7 doubles = 56000 bytes
    FileSource src = FileSource.open(sc(), FileSourceTest.params(dir.resolve("x.npy").toString(),
        "input.split.mb = 0.01"));
    assertEquals((int) Math.ceil(56000 / (0.01 * (1 << 20))), src.defaultPartitions(sc()));
    src = FileSource.open(sc(), FileSourceTest.params(dir.resolve("x.npy").toString()));
    assertEquals(sc().defaultParallelism(), src.defaultPartitions(sc()));
    // splits as Spark's maxSplitBytes: the target, or an input's share per core, but not below 4 MiB
    long mib = 1 << 20;
    assertEquals(128 * mib, InputSplit.splitBytes(1024 * mib, 128 * mib, 2));
    assertEquals(100 * mib / 16, InputSplit.splitBytes(100 * mib, 128 * mib, 16));
    assertEquals(4 * mib, InputSplit.splitBytes(mib, 128 * mib, 2));
    assertEquals(1000, InputSplit.splitBytes(mib, 1000, 2), "a target below 4 MiB is kept");
  }
}
