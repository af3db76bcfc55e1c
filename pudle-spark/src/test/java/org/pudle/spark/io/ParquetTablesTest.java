package org.pudle.spark.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import org.apache.spark.ml.linalg.DenseMatrix;
import org.apache.spark.ml.linalg.Matrix;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pudle.spark.SparkTestSupport;

import scala.collection.JavaConverters;

/**
 * {@link ParquetTables} against Spark SQL's own Parquet writer: the same schema read back (a
 * user-defined type included), the same rows, the same Parquet message type and footer metadata in
 * the files, and a Spark-like folder (one part file, {@code _SUCCESS}).
 */
class ParquetTablesTest {
  @TempDir
  Path dir;

  private static SparkSession spark() {
    return SparkSession.builder().sparkContext(SparkTestSupport.sc().sc()).getOrCreate();
  }

  @Test
  void arraysAndIntsReadBackAsSparkWroteThem() throws IOException {
    Random rnd = new Random(7);
    StructType schema = new StructType()
        .add("atom", DataTypes.IntegerType, false)
        .add("values", DataTypes.createArrayType(DataTypes.DoubleType, false), false)
        .add("name", DataTypes.StringType, true)
        .add("count", DataTypes.LongType, false)
        .add("ok", DataTypes.BooleanType, false);
    List<Row> rows = new ArrayList<>();
    for (int j = 0; j < 37; j++) {
      double[] v = rnd.doubles(13).map(x -> x - 0.5).toArray();
      v[j % 13] = j == 5 ? Double.MIN_VALUE : -0.0;
      rows.add(RowFactory.create(j, v, j % 3 == 0 ? null : "atom " + j, 1L << j, j % 2 == 0));
    }
    String ours = dir.resolve("ours").toString();
    ParquetTables.write(ours, SparkTestSupport.sc().hadoopConfiguration(), schema, rows);
    String theirs = dir.resolve("theirs").toString();
    spark().createDataFrame(rows, schema).coalesce(1).write().parquet(theirs);

    Dataset<Row> a = spark().read().parquet(ours);
    Dataset<Row> b = spark().read().parquet(theirs);
    assertEquals(b.schema(), a.schema());
    List<Row> ra = a.orderBy("atom").collectAsList();
    List<Row> rb = b.orderBy("atom").collectAsList();
    assertEquals(rows.size(), ra.size());
    for (int j = 0; j < rows.size(); j++) {
      for (int f = 0; f < schema.size(); f++) {
        if (f == 1) {
          double[] x = JavaConverters.seqAsJavaList(ra.get(j).<scala.collection.Seq<Double>>getAs(f)).stream()
              .mapToDouble(Double::doubleValue).toArray();
          double[] y = JavaConverters.seqAsJavaList(rb.get(j).<scala.collection.Seq<Double>>getAs(f)).stream()
              .mapToDouble(Double::doubleValue).toArray();
          double[] given = (double[]) rows.get(j).get(1);
          assertEquals(given.length, x.length);
          for (int i = 0; i < x.length; i++) {  // bit for bit, -0.0 and a subnormal included
            assertEquals(Double.doubleToRawLongBits(given[i]), Double.doubleToRawLongBits(x[i]));
            assertEquals(Double.doubleToRawLongBits(y[i]), Double.doubleToRawLongBits(x[i]));
          }
        } else {
          assertEquals(rb.get(j).get(f), ra.get(j).get(f), "row " + j + " field " + f);
        }
      }
    }
    assertEquals(messageType(theirs), messageType(ours));
    assertEquals(footer(theirs), footer(ours));
    try (Stream<Path> files = Files.list(Path.of(ours))) {
      List<String> names = files.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted()
          .toList();
      assertEquals(2, names.size(), names.toString());
      assertEquals("_SUCCESS", names.get(0));
      assertTrue(names.get(1).matches("part-00000-[0-9a-f-]{36}-c000\\.parquet"), names.get(1));
    }
    assertEquals(java.util.Set.of(org.apache.parquet.hadoop.metadata.CompressionCodecName.UNCOMPRESSED), codecs(ours));
  }

  @Test
  void aSparkMlMatrixKeepsItsType() throws IOException {
    double[] values = new Random(3).doubles(6 * 4).toArray();
    Matrix d = new DenseMatrix(6, 4, values);
    StructType schema = new StructType().add("dictionary", SQLDataTypes.MatrixType(), false);
    String ours = dir.resolve("m").toString();
    ParquetTables.write(ours, SparkTestSupport.sc().hadoopConfiguration(), schema, List.of(RowFactory.create(d)));
    Dataset<Row> back = spark().read().parquet(ours);
    assertEquals(SQLDataTypes.MatrixType(), back.schema().apply("dictionary").dataType());
    Matrix read = (Matrix) back.head().get(0);
    assertEquals(6, read.numRows());
    assertEquals(4, read.numCols());
    assertArrayEquals(values, read.toArray(), 0.0);
    String theirs = dir.resolve("theirs").toString();
    spark().createDataFrame(List.of(RowFactory.create(d)), schema).coalesce(1).write().parquet(theirs);
    assertEquals(messageType(theirs), messageType(ours));
    assertEquals(footer(theirs), footer(ours));

    // a sparse matrix: its column pointers and row indices are arrays of ints
    Matrix sparse = org.apache.spark.ml.linalg.Matrices.sparse(3, 4, new int[] {0, 1, 1, 3, 4},
        new int[] {2, 0, 1, 2}, new double[] {1.5, -2.0, 0.25, 8.0});
    String sp = dir.resolve("sparse").toString();
    ParquetTables.write(sp, SparkTestSupport.sc().hadoopConfiguration(), schema, List.of(RowFactory.create(sparse)));
    Matrix back2 = (Matrix) spark().read().parquet(sp).head().get(0);
    assertEquals(sparse, back2);
    assertArrayEquals(sparse.toArray(), back2.toArray(), 0.0);
  }

  @Test
  void aTypeItCannotWriteIsRefusedBeforeAnythingIsWritten() {
    Path target = dir.resolve("maps");
    StructType schema = new StructType().add("m", DataTypes.createMapType(DataTypes.StringType,
        DataTypes.DoubleType), false);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ParquetTables.write(
        target.toString(), SparkTestSupport.sc().hadoopConfiguration(), schema, List.of()));
    assertTrue(e.getMessage().contains("column m"), e.getMessage());
    assertTrue(!Files.exists(target));
  }

  @Test
  void anExistingFolderIsRefused() throws IOException {
    Path existing = Files.createDirectories(dir.resolve("there"));
    StructType schema = new StructType().add("x", DataTypes.IntegerType, false);
    IOException e = assertThrows(IOException.class, () -> ParquetTables.write(existing.toString(),
        SparkTestSupport.sc().hadoopConfiguration(), schema, List.of(RowFactory.create(1))));
    assertTrue(e.getMessage().contains("already exists"), e.getMessage());
  }

  /** The Parquet message type in the dataset's one part file. */
  private static String messageType(String folder) throws IOException {
    return fileMetaData(folder).getSchema().toString();
  }

  /** The compression codecs of the columns in the dataset's one part file. */
  private static java.util.Set<org.apache.parquet.hadoop.metadata.CompressionCodecName> codecs(String folder)
      throws IOException {
    try (Stream<Path> files = Files.list(Path.of(folder))) {
      Path part = files.filter(p -> p.getFileName().toString().endsWith(".parquet")).findFirst().orElseThrow();
      try (org.apache.parquet.hadoop.ParquetFileReader r = org.apache.parquet.hadoop.ParquetFileReader.open(
          org.apache.parquet.hadoop.util.HadoopInputFile.fromPath(new org.apache.hadoop.fs.Path(part.toString()),
              SparkTestSupport.sc().hadoopConfiguration()))) {
        java.util.Set<org.apache.parquet.hadoop.metadata.CompressionCodecName> out = new java.util.HashSet<>();
        r.getFooter().getBlocks().forEach(b -> b.getColumns().forEach(c -> out.add(c.getCodec())));
        return out;
      }
    }
  }

  /** The key-value metadata of the dataset's one part file (Spark's version and schema). */
  private static java.util.Map<String, String> footer(String folder) throws IOException {
    return fileMetaData(folder).getKeyValueMetaData();
  }

  private static org.apache.parquet.hadoop.metadata.FileMetaData fileMetaData(String folder) throws IOException {
    try (Stream<Path> files = Files.list(Path.of(folder))) {
      Path part = files.filter(p -> p.getFileName().toString().endsWith(".parquet")).findFirst().orElseThrow();
      try (org.apache.parquet.hadoop.ParquetFileReader r = org.apache.parquet.hadoop.ParquetFileReader.open(
          org.apache.parquet.hadoop.util.HadoopInputFile.fromPath(new org.apache.hadoop.fs.Path(part.toString()),
              SparkTestSupport.sc().hadoopConfiguration()))) {
        return r.getFooter().getFileMetaData();
      }
    }
  }
}
