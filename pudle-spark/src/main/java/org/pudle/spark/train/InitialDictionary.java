package org.pudle.spark.train;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.apache.spark.api.java.JavaRDD;
import org.pudle.kernels.Dictionaries;
import org.pudle.kernels.data.IndexPermutation;
import org.pudle.kernels.data.Seeds;
import org.pudle.kernels.linalg.Norms;
import org.pudle.spark.data.SampleBlock;

import scala.Tuple2;

/**
 * Initial dictionaries that do not come from a file: random atoms, or random samples. {@code pudle
 * train} and the Spark ML estimator pick them alike.
 */
public final class InitialDictionary {
  /** The random stream of initial dictionaries ("INIT"). */
  static final long STREAM = 0x494E4954L;

  private InitialDictionary() {}

  /** i.i.d. N(0, 1) entries from (seed), columns scaled to unit norm. */
  public static double[] random(int m, int p, long seed) {
    SplittableRandom rng = new SplittableRandom(Seeds.derive(seed, STREAM, 0));
    double[] d = new double[m * p];
    for (int i = 0; i < d.length; i++) {
      d[i] = rng.nextGaussian();
    }
    Dictionaries.normalizeColumns(d, m, p);
    return d;
  }

  /**
   * p distinct samples chosen by a keyed permutation of (seed) (atom j is the sample of rank j),
   * scaled to unit norm. An all-zero sample (a flat image patch after mean removal) is replaced
   * by a random unit atom. The choice does not depend on the partitioning.
   *
   * @param n at least p
   */
  public static double[] fromSamples(JavaRDD<SampleBlock> blocks, long n, int m, int p, long seed) {
    IndexPermutation perm = new IndexPermutation(n, Seeds.derive(seed, STREAM, 1));
    long atoms = p;
    List<Tuple2<Long, double[]>> picked = blocks.flatMap(b -> {
      List<Tuple2<Long, double[]>> out = new ArrayList<>();
      for (int c = 0; c < b.cols(); c++) {
        long r = perm.apply(b.first() + c);
        if (r < atoms) {
          double[] col = new double[b.m()];
          System.arraycopy(b.x(), c * b.m(), col, 0, b.m());
          out.add(new Tuple2<>(r, col));
        }
      }
      return out.iterator();
    }).collect();
    if (picked.size() != p) {
      throw new IllegalStateException("init = samples: picked " + picked.size() + " samples, expected " + p);
    }
    double[] d = new double[m * p];
    for (Tuple2<Long, double[]> t : picked) {
      System.arraycopy(t._2(), 0, d, (int) (t._1() * m), m);
    }
    for (int j = 0; j < p; j++) {
      if (!(Norms.frobenius(d, j * m, m) > 0)) {
        SplittableRandom rng = new SplittableRandom(Seeds.derive(seed, STREAM, 2 + j));
        for (int i = 0; i < m; i++) {
          d[j * m + i] = rng.nextGaussian();
        }
      }
    }
    Dictionaries.normalizeColumns(d, m, p);
    return d;
  }
}
