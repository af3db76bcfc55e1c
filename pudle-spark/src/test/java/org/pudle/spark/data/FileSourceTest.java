package org.pudle.spark.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pudle.spark.SparkTestSupport;
import org.pudle.spark.config.Config;
import org.pudle.spark.config.InputSettings;

/**
 * Every format yields the same samples in the same order, whatever the partitioning; images are
 * cut into the patches their pixels say.
 */
class FileSourceTest {
  private static final int M = 7;
  private static final int N = 23;

  private static JavaSparkContext sc() {
    return SparkTestSupport.sc();
  }

  static InputParams params(String path, String... extra) {
    StringBuilder sb = new StringBuilder("input = " + path + "\n");
    for (String e : extra) {
      sb.append(e).append('\n');
    }
    return InputSettings.from(Config.fromString(sb.toString()));
  }

  /** Reads with 3 partitions of blocks of 4 and with 1 partition of one block: both must be {@code expected}. */
  private static void assertReads(double[][] expected, InputParams p, double tolerance) {
    FileSource src = FileSource.open(sc(), p);
    assertEquals(expected[0].length, src.m(), "m");
    assertEquals(expected.length, src.count(), "n");
    assertEquals(0, src.badRows());
    for (int[] layout : new int[][] {{3, 4}, {1, 100}}) {
      double[][] got = TestFiles.collect(src.blocks(sc(), layout[0], layout[1]), src.count());
      for (int i = 0; i < expected.length; i++) {
        assertArrayEquals(expected[i], got[i], tolerance, p.path() + " sample " + i + " with " + layout[0]
            + " partitions");
      }
    }
  }

  @Test
  void csvTsvAndNpyShardsYieldTheSamplesInFileOrder(@TempDir Path dir) throws IOException {
    double[][] x = TestFiles.samples(N, M, 3);
    TestFiles.csv(dir.resolve("x.csv"), x, ",", "a,b,c,d,e,f,g");
    assertReads(x, params(dir.resolve("x.csv").toString()), 0);
    TestFiles.csv(dir.resolve("x.tsv"), x, "\t", null);
    assertReads(x, params(dir.resolve("x.tsv").toString()), 0);
    TestFiles.csv(dir.resolve("x.txt"), x, "  ", null);
    assertReads(x, params(dir.resolve("x.txt").toString(), "input.delimiter = space", "input.header = false"), 0);

    // a directory of C-order shards, read in name order; a Fortran-order file; float32
    Path shards = Files.createDirectories(dir.resolve("shards"));
    TestFiles.npy(shards.resolve("part-0.npy"), Arrays.copyOfRange(x, 0, 10), false);
    TestFiles.npy(shards.resolve("part-1.npy"), Arrays.copyOfRange(x, 10, 11), true);
    TestFiles.npy(shards.resolve("part-2.npy"), Arrays.copyOfRange(x, 11, N), true);
    Files.writeString(shards.resolve("_SUCCESS"), "");
    assertReads(x, params(shards.toString()), 0);
    TestFiles.npy32(dir.resolve("x32.npy"), x, "<f4");
    double[][] x32 = new double[N][M];
    for (int i = 0; i < N; i++) {
      for (int j = 0; j < M; j++) {
        x32[i][j] = (float) x[i][j];
      }
    }
    assertReads(x32, params(dir.resolve("x32.npy").toString()), 0);
  }

  @Test
  void parquetArraysAndVectorsWrittenBySpark(@TempDir Path dir) {
    double[][] x = TestFiles.samples(N, M, 4);
    SparkSession spark = SparkSession.builder().sparkContext(sc().sc()).getOrCreate();
    List<Row> doubles = new ArrayList<>();
    List<Row> floats = new ArrayList<>();
    List<Row> vectors = new ArrayList<>();
    double[][] x32 = new double[N][M];
    double[][] sparse = new double[N][];
    for (int i = 0; i < N; i++) {
      float[] f = new float[M];
      for (int j = 0; j < M; j++) {
        f[j] = (float) x[i][j];
        x32[i][j] = f[j];
      }
      doubles.add(RowFactory.create("s" + i, x[i], i));
      floats.add(RowFactory.create(f));
      // every third sample sparse: entries 1 and 4 only
      if (i % 3 == 0) {
        sparse[i] = new double[M];
        sparse[i][1] = x[i][1];
        sparse[i][4] = x[i][4];
        vectors.add(RowFactory.create(Vectors.sparse(M, new int[] {1, 4}, new double[] {x[i][1], x[i][4]})));
      } else {
        sparse[i] = x[i];
        vectors.add(RowFactory.create(Vectors.dense(x[i])));
      }
    }
    StructType sd = new StructType().add("name", DataTypes.StringType).add("x",
        DataTypes.createArrayType(DataTypes.DoubleType)).add("i", DataTypes.IntegerType);
    StructType sf = new StructType().add("x", DataTypes.createArrayType(DataTypes.FloatType, false));
    StructType sv = new StructType().add("features", SQLDataTypes.VectorType());
    // two partitions of consecutive rows: part-00000 then part-00001 in name order
    spark.createDataFrame(sc().parallelize(doubles, 2), sd).write().parquet(dir.resolve("d").toString());
    spark.createDataFrame(sc().parallelize(floats, 2), sf).write().parquet(dir.resolve("f").toString());
    spark.createDataFrame(sc().parallelize(vectors, 2), sv).write().parquet(dir.resolve("v").toString());
    assertReads(x, params(dir.resolve("d").toString()), 0);
    assertReads(x, params(dir.resolve("d").toString(), "input.column = x"), 0);
    assertReads(x32, params(dir.resolve("f").toString()), 0);
    assertReads(sparse, params(dir.resolve("v").toString()), 0);
    InputException e = assertThrows(InputException.class,
        () -> FileSource.open(sc(), params(dir.resolve("d").toString(), "input.column = name")));
    assertTrue(e.getMessage().contains("column 'name'") && e.getMessage().contains(".parquet"), e.getMessage());
  }

  @Test
  void imagesAreCutIntoOverlappingPatches(@TempDir Path dir) throws IOException {
    int[][] g = TestFiles.grayPng(dir.resolve("a.png"), 6, 5, 9);
    int[][][] rgb = TestFiles.colorPng(dir.resolve("b.png"), 6, 5);
    TestFiles.pgm(dir.resolve("c.pgm"), g, 255, false);
    int[][] g16 = new int[5][6];
    for (int y = 0; y < 5; y++) {
      for (int x = 0; x < 6; x++) {
        g16[y][x] = g[y][x] * 200;
      }
    }
    TestFiles.pgm(dir.resolve("d.pgm"), g16, 65535, false);
    TestFiles.pgm(dir.resolve("e.pgm"), g, 255, true);
    // 3x3 patches every 2 pixels of a 6x5 image: origins x in {0, 2}, y in {0, 2}: 4 per image
    List<double[]> expected = new ArrayList<>();
    for (int img = 0; img < 5; img++) {
      for (int y0 = 0; y0 <= 2; y0 += 2) {
        for (int x0 = 0; x0 <= 2; x0 += 2) {
          double[] v = new double[9];
          for (int y = 0; y < 3; y++) {
            for (int x = 0; x < 3; x++) {
              int[] c = rgb[y0 + y][x0 + x];
              v[y * 3 + x] = img == 1 ? (0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]) / 255
                  : img == 3 ? g16[y0 + y][x0 + x] / 65535.0 : g[y0 + y][x0 + x] / 255.0;
            }
          }
          expected.add(v);
        }
      }
    }
    assertReads(expected.toArray(new double[0][]), params(dir.toString(), "image.patch = 3", "image.stride = 2"), 1e-15);

    // rgb: 27 values per patch, R G B of a pixel together; the gray image repeats its value
    FileSource src = FileSource.open(sc(), params(dir.resolve("b.png").toString(), "image.patch = 3x2",
        "image.stride = 1x4", "image.color = rgb"));
    assertEquals(18, src.m());
    assertEquals(6, src.count(), "origins y in {0, 1, 2}, x in {0, 4}");
    double[][] got = TestFiles.collect(src.blocks(sc(), 2, 2), 6);
    assertEquals(rgb[0][5][1] / 255.0, got[1][(0 * 2 + 1) * 3 + 1], 0, "patch (0, 4), pixel (0, 1), green");
    assertEquals(rgb[1][1][2] / 255.0, got[2][(0 * 2 + 1) * 3 + 2], 0, "patch (1, 0), pixel (0, 1), blue");
    assertEquals(rgb[2 + 2][0][0] / 255.0, got[4][(2 * 2) * 3], 0, "patch (2, 0), pixel (2, 0), red");

    // mean removal per patch
    src = FileSource.open(sc(), params(dir.resolve("a.png").toString(), "image.patch = 3", "input.normalize = center"));
    for (double[] patch : TestFiles.collect(src.blocks(sc(), 1, 10), src.count())) {
      assertEquals(0, Arrays.stream(patch).sum(), 1e-13);
    }
  }

  @Test
  void unitNormalizationAndTheMKeyCheck(@TempDir Path dir) throws IOException {
    double[][] x = TestFiles.samples(5, 4, 8);
    x[2] = new double[4];
    TestFiles.csv(dir.resolve("x.csv"), x, ",", null);
    FileSource src = FileSource.open(sc(), params(dir.resolve("x.csv").toString(), "input.normalize = unit"));
    double[][] got = TestFiles.collect(src.blocks(sc(), 2, 2), 5);
    for (int i = 0; i < 5; i++) {
      double norm = Math.sqrt(Arrays.stream(got[i]).map(v -> v * v).sum());
      assertEquals(i == 2 ? 0 : 1, norm, 1e-15, "sample " + i);
    }
    InputException e = assertThrows(InputException.class,
        () -> FileSource.open(sc(), params(dir.resolve("x.csv").toString(), "m = 5")));
    assertTrue(e.getMessage().contains("x.csv: line 1: expected m = 5 values (config key 'm'), got 4"), e.getMessage());
  }
}
