package org.pudle.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pudle.kernels.DictionaryOperator;
import org.pudle.kernels.EncoderParams;
import org.pudle.kernels.FistaLasso;
import org.pudle.kernels.UnfoldedIstaCpu;
import org.pudle.kernels.data.SignMode;
import org.pudle.kernels.data.SyntheticModel;
import org.pudle.kernels.io.Npy;
import org.pudle.spark.cli.PudleMain;

/** {@code pudle encode}: the codes in codes.parquet are the encoder's and FISTA's, sample by sample. */
class EncodeTest {
  private static final int M = 8;
  private static final int P = 12;
  private static final int N = 45;

  @BeforeAll
  static void spark() {
    SparkTestSupport.sc();
  }

  private record Run(int status, String err, String out) {}

  private static Run encode(String... args) {
    StringWriter err = new StringWriter();
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    PrintStream saved = System.out;
    System.setOut(new PrintStream(console, true, StandardCharsets.UTF_8));
    try {
      String[] all = new String[args.length + 1];
      all[0] = "encode";
      System.arraycopy(args, 0, all, 1, args.length);
      int status = PudleMain.execute(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true), all);
      return new Run(status, err.toString(), console.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(saved);
    }
  }

  @Test
  void codesMatchTheEncoderAndFista(@TempDir Path dir) throws IOException {
    SyntheticModel model = new SyntheticModel(M, P, 2, 3, SignMode.PER_SAMPLE, 0.01);
    double[] d = model.initialDictionary(model.dictionaryTilde(), 0.2);
    double[] x = new double[M * N];
    model.generate(model.dictionaryTilde(), 0, N, x, 0, null, null);
    try (OutputStream o = Files.newOutputStream(dir.resolve("D.npy"))) {
      Npy.writeColumnMajor(o, d, M, P);
    }
    try (OutputStream o = Files.newOutputStream(dir.resolve("X.npy"))) {
      Npy.writeRowMajor(o, x, N, M);
    }
    SparkSession spark = SparkSession.builder().sparkContext(SparkTestSupport.sc().sc()).getOrCreate();
    EncoderParams enc = EncoderParams.soft(15, 0.2, 0.1);
    double[] zUnfolded = new double[P * N];
    new UnfoldedIstaCpu(DictionaryOperator.of(d, M, P, 0.2), enc).encode(x, 0, N, zUnfolded, 0);
    double[] zLasso = new FistaLasso(d, M, P, 0.1, FistaLasso.Options.DEFAULT).solve(x, 0, N).z();

    for (String encoder : List.of("unfolded", "fista")) {
      Path out = dir.resolve(encoder);
      Run r = encode("--set", "input=" + dir.resolve("X.npy"), "--set", "dictionary=" + dir.resolve("D.npy"), "--set",
          "encoder=" + encoder, "--set", "T=15", "--set", "lambda=0.1", "--set", "output=" + out, "--set",
          "partitions=3", "--set", "block.size=7");
      assertEquals(0, r.status(), r.err());
      assertTrue(r.out().contains("45 codes of size 12"), r.out());
      List<Row> rows = spark.read().parquet(out.resolve("codes.parquet").toString()).orderBy("index").collectAsList();
      assertEquals(N, rows.size());
      double[] expected = encoder.equals("fista") ? zLasso : zUnfolded;
      // unfolded: the same kernel on other block sizes (GEMMs of other shapes round differently);
      // FISTA: both reach the KKT tolerance 1e-10 on a well-conditioned 8 x 12 problem
      double tol = encoder.equals("fista") ? 1e-8 : 1e-12;
      for (Row row : rows) {
        int i = (int) row.getLong(0);
        SparseVector z = ((org.apache.spark.ml.linalg.Vector) row.get(1)).toSparse();
        assertEquals(P, z.size());
        double[] dense = z.toArray();
        for (int j = 0; j < P; j++) {
          assertEquals(expected[i * P + j], dense[j], tol, encoder + ": sample " + i + ", atom " + j);
        }
        double loss = 0;
        for (int a = 0; a < M; a++) {
          double ri = -x[i * M + a];
          for (int j = 0; j < P; j++) {
            ri += d[a + j * M] * dense[j];
          }
          loss += ri * ri;
        }
        assertEquals(0.5 * loss, row.getDouble(2), 1e-12 * Math.max(1, loss));
        if (encoder.equals("fista")) {
          assertTrue(row.getDouble(3) <= 1e-10, "KKT residual " + row.getDouble(3));
        } else {
          assertTrue(row.getDouble(3) >= 0);
        }
      }
      assertTrue(Files.readString(out.resolve("summary.txt")).contains("mean non-zeros"));
    }

    // the dictionary and the samples must agree on m
    double[] wide = new double[(M + 1) * P];
    try (OutputStream o = Files.newOutputStream(dir.resolve("D9.npy"))) {
      Npy.writeColumnMajor(o, wide, M + 1, P);
    }
    Run r = encode("--set", "input=" + dir.resolve("X.npy"), "--set", "dictionary=" + dir.resolve("D9.npy"), "--set",
        "encoder=fista", "--set", "output=" + dir.resolve("bad"));
    assertEquals(2, r.status(), r.err());
    assertTrue(r.err().contains("m = 8") && r.err().contains("D9.npy has 9 rows"), r.err());
    assertTrue(Files.notExists(dir.resolve("bad")));
    r = encode("--set", "input=" + dir.resolve("X.npy"), "--set", "output=" + dir.resolve("bad"));
    assertEquals(2, r.status());
    assertTrue(r.err().contains("config key 'dictionary'"), r.err());
  }
}
