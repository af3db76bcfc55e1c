package org.pudle.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;

import org.junit.jupiter.api.Test;

/** G = I - alpha D^T D by column blocks, alone and shared by threads. */
class DictionaryOperatorTest {
  /** p = 150 spans three blocks of 64 columns, the last one partial. */
  private static final int M = 30;
  private static final int P = 150;

  @Test
  void gIsTheIdentityMinusAlphaTheGramMatrixAndSymmetric() {
    TestData.Problem pr = TestData.problem(M, P, 4, 1, 5);
    double alpha = 0.3;
    DictionaryOperator op = DictionaryOperator.of(pr.d(), M, P, alpha);
    double[] d = pr.d();
    double[] g = op.g();
    for (int j = 0; j < P; j++) {
      for (int i = 0; i < P; i++) {
        double dot = 0;
        for (int k = 0; k < M; k++) {
          dot += d[k + i * M] * d[k + j * M];
        }
        double expected = (i == j ? 1 : 0) - alpha * dot;
        // M products of unit-norm columns: rounding of order M * 2^-53 relative to 1
        assertEquals(expected, g[i + j * P], 1e-14, "G[" + i + ", " + j + "]");
        assertEquals(g[i + j * P], g[j + i * P], 0.0, "symmetric at " + i + ", " + j);
      }
    }
  }

  @Test
  void threadsSharingABuildGetOneOperatorEqualToTheBitOfOne() throws Exception {
    TestData.Problem pr = TestData.problem(M, P, 4, 1, 6);
    double[] alone = DictionaryOperator.of(pr.d(), M, P, 0.2).g();
    DictionaryOperator.Build build = new DictionaryOperator.Build(pr.d(), M, P, 0.2);
    int threads = 4;
    CyclicBarrier start = new CyclicBarrier(threads);
    List<DictionaryOperator> got = new ArrayList<>();
    List<Throwable> errors = new ArrayList<>();
    List<Thread> ts = new ArrayList<>();
    for (int k = 0; k < threads; k++) {
      Thread t = new Thread(() -> {
        try {
          start.await();
          build.work();
          DictionaryOperator op = build.result();
          synchronized (got) {
            got.add(op);
          }
        } catch (Throwable e) {
          synchronized (errors) {
            errors.add(e);
          }
        }
      });
      ts.add(t);
      t.start();
    }
    for (Thread t : ts) {
      t.join();
    }
    assertTrue(errors.isEmpty(), "errors: " + errors);
    assertEquals(threads, got.size());
    for (DictionaryOperator op : got) {
      assertSame(got.get(0), op, "one operator for every thread");
    }
    assertArrayEquals(alone, got.get(0).g(), 0.0);
  }
}
