package org.pudle.spark.encode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pudle.kernels.io.Npy;
import org.pudle.spark.SparkTestSupport;
import org.pudle.spark.config.Config;
import org.pudle.spark.config.EncodeParams;

/** Every codes format of {@code encode} reads back to the codes and errors of the Parquet output. */
class CodesFormatsTest {
  private static final int M = 6;
  private static final int P = 9;
  private static final int N = 57;

  private static Path encode(Path dir, String format, boolean errorsOnly) throws IOException {
    Path out = dir.resolve(format + (errorsOnly ? "-errors" : ""));
    Config c = Config.fromString("input = " + dir.resolve("x.npy") + "\ndictionary = " + dir.resolve("d.npy")
        + "\nT = 30\nlambda = 0.05\nalpha = 0.05\npartitions = 3\nblock.size = 10\ncodes.format = " + format
        + "\ncodes.errors.only = " + errorsOnly + "\noutput = " + out + "\n");
    EncodeJob.run(SparkTestSupport.sc(), EncodeParams.from(c),
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    return out;
  }

  /** A 1-D {@code <i8} .npy, version 1 (the reader of the project takes floating point only). */
  private static long[] readLongs(Path p) throws IOException {
    ByteBuffer bb = ByteBuffer.wrap(Files.readAllBytes(p)).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals((byte) 0x93, bb.get(0));
    int headerLength = Short.toUnsignedInt(bb.getShort(8));
    String header = new String(Files.readAllBytes(p), 10, headerLength, StandardCharsets.ISO_8859_1);
    assertTrue(header.contains("'descr': '<i8'") && header.contains("'fortran_order': False"), header);
    int n = Integer.parseInt(header.replaceAll("(?s).*'shape': \\((\\d+),\\).*", "$1"));
    bb.position(10 + headerLength);
    assertEquals(8L * n, bb.remaining());
    long[] v = new long[n];
    for (int i = 0; i < n; i++) {
      v[i] = bb.getLong();
    }
    return v;
  }

  private static double[] readDoubles(Path p) throws IOException {
    try (InputStream in = Files.newInputStream(p)) {
      Npy.Matrix mx = Npy.read(in, p.toString());
      return mx.rowMajor();
    }
  }

  @Test
  void eachFormatReadsBackToTheParquetCodes(@TempDir Path dir) throws IOException {
    SplittableRandom rng = new SplittableRandom(4);
    double[] x = new double[N * M];
    double[] d = new double[M * P];
    for (int i = 0; i < x.length; i++) {
      x[i] = rng.nextGaussian();
    }
    for (int i = 0; i < d.length; i++) {
      d[i] = rng.nextGaussian() / Math.sqrt(M);
    }
    try (OutputStream o = Files.newOutputStream(dir.resolve("x.npy"))) {
      Npy.writeRowMajor(o, x, N, M);
    }
    try (OutputStream o = Files.newOutputStream(dir.resolve("d.npy"))) {
      Npy.writeColumnMajor(o, d, M, P);
    }
    SparkSession spark = SparkSession.builder().sparkContext(SparkTestSupport.sc().sc()).getOrCreate();
    double[][] z = new double[N][];
    double[] loss = new double[N];
    int nnz = 0;
    for (Row r : spark.read().parquet(encode(dir, "parquet", false).resolve("codes.parquet").toString())
        .collectAsList()) {
      int i = (int) r.getLong(0);
      z[i] = ((Vector) r.get(1)).toArray();
      loss[i] = r.getDouble(2);
      nnz += ((Vector) r.get(1)).numNonzeros();
    }
    assertTrue(nnz > N && nnz < N * P, "sparse codes: " + nnz);

    double[] dense = readDoubles(encode(dir, "npy", false).resolve("codes.npy"));
    assertEquals(N * P, dense.length);
    for (int i = 0; i < N; i++) {
      assertArrayEquals(z[i], java.util.Arrays.copyOfRange(dense, i * P, (i + 1) * P), 0.0, "npy row " + i);
    }

    Path csr = encode(dir, "csr", false);
    double[] data = readDoubles(csr.resolve("codes-data.npy"));
    long[] indices = readLongs(csr.resolve("codes-indices.npy"));
    long[] indptr = readLongs(csr.resolve("codes-indptr.npy"));
    assertEquals(N + 1, indptr.length);
    assertEquals(nnz, data.length);
    assertEquals(nnz, indptr[N]);
    for (int i = 0; i < N; i++) {
      double[] row = new double[P];
      for (long k = indptr[i]; k < indptr[i + 1]; k++) {
        row[(int) indices[(int) k]] = data[(int) k];
      }
      assertArrayEquals(z[i], row, 0.0, "csr row " + i);
    }

    List<String> csv = Files.readAllLines(encode(dir, "csv", false).resolve("codes.csv"));
    assertEquals(N + 1, csv.size());
    assertTrue(csv.get(0).startsWith("index,loss,z0,z1,"));
    for (int i = 0; i < N; i++) {
      String[] f = csv.get(i + 1).split(",");
      assertEquals(i, Long.parseLong(f[0]));
      assertEquals(loss[i], Double.parseDouble(f[1]), 0.0);
      for (int j = 0; j < P; j++) {
        assertEquals(z[i][j], Double.parseDouble(f[2 + j]), 0.0, "csv row " + i);
      }
    }

    assertArrayEquals(loss, readDoubles(encode(dir, "npy", true).resolve("errors.npy")), 0.0);
    List<String> errors = Files.readAllLines(encode(dir, "csv", true).resolve("errors.csv"));
    assertEquals("index,loss", errors.get(0));
    assertEquals(loss[N - 1], Double.parseDouble(errors.get(N).split(",")[1]), 0.0);
    Path pe = encode(dir, "parquet", true);
    assertTrue(!Files.exists(pe.resolve("codes.parquet")));
    for (Row r : spark.read().parquet(pe.resolve("errors.parquet").toString()).collectAsList()) {
      assertEquals(loss[(int) r.getLong(0)], r.getDouble(1), 0.0);
    }
  }
}
