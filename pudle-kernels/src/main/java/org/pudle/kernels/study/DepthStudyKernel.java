package org.pudle.kernels.study;

import org.pudle.kernels.BlockBackward;
import org.pudle.kernels.DictionaryOperator;
import org.pudle.kernels.EncoderParams;
import org.pudle.kernels.FistaLasso;
import org.pudle.kernels.GradientKind;
import org.pudle.kernels.GradientSums;
import org.pudle.kernels.UnfoldedIsta;
import org.pudle.kernels.data.Seeds;
import org.pudle.kernels.linalg.Blas;

import java.util.Arrays;
import java.util.SplittableRandom;

import org.netlib.util.intW;

import dev.ludovic.netlib.blas.BLAS;

/**
 * The per-block work of the gradient studies (paper section 3, Figures 2-4b): one forward pass
 * of {@code T = grid.max()} unfolded layers keeps every code {@code z_t}; the lasso codes
 * {@code z_hat} (for D, started from {@code z_T}) and {@code z*} (for {@code D*}, started from
 * {@code z_hat}) are solved to the solvers' KKT tolerance; then for every depth t of the grid the
 * three gradients {@code g_dec}, {@code g_ae-ls}, {@code g_ae-lasso} of the network truncated at t
 * (backward passes from the stored {@code z_t}: the trainer's sums with {@code T = t}), and the
 * references {@code g_hat}, {@code g_star}, {@code g_tilde}, all at the current D.
 *
 * <p>Cost per sample: {@code 2 p^2 T} (forward) {@code + 8 p^2 sum(t)} (both ae kinds) flops of
 * GEMM, plus the two lasso solves. On the CPU the forward and backward passes run the layers whose
 * codes are sparse column by column on the supports (docs/math.md#layers-on-the-supports; where,
 * the kernel's cost model decides by default), which costs about {@code 4 |S_t| |S_{t+1}|} instead
 * of {@code 4 p^2} per backward layer and sample; the sums are the same to rounding. The unfolded passes run on the backend of the
 * given {@link UnfoldedIsta} ({@link UnfoldedIsta#forwardAll}, {@link UnfoldedIsta#accumulateFromDepth}),
 * the lasso solves, the references and the Jacobian read-outs on the CPU. Scratch: that of the
 * kernel keeping all T codes plus the lasso codes of a chunk. One instance per task or thread.
 */
public final class DepthStudyKernel {
  private final BLAS blas = Blas.blas();
  private final BlockBackward terms;
  private final DictionaryOperator op;
  private final UnfoldedIsta ista;
  private final FistaLasso lassoHat;
  private final FistaLasso lassoStar;
  private final DepthGrid grid;
  private final int m;
  private final int p;
  private final int chunk;
  private double[] r = new double[0];
  /** The stream family of the Jacobian directions: one stream per sample index. */
  public static final long DIRECTIONS = 0x4A41434FL;
  private boolean jacobian;
  private long directionSeed;
  private int[] depthIndex;
  private double[] dirU = new double[0];
  private double[] dirW = new double[0];
  private double[] dtu = new double[0];
  private double[] ux = new double[0];
  private double[] dHat = new double[0];
  private double[] dz = new double[0];
  private double[] dv = new double[0];

  /**
   * @param ista      the unfolded encoder at the current dictionary D, of any backend; its T must
   *                  equal {@code grid.max()}. Used by this instance only, until it is dropped.
   * @param lassoHat  a lasso solver for D, with the encoder's lambda
   * @param lassoStar a lasso solver for {@code D*}, with the same lambda
   */
  public DepthStudyKernel(UnfoldedIsta ista, DepthGrid grid, FistaLasso lassoHat, FistaLasso lassoStar) {
    DictionaryOperator op = ista.operator();
    EncoderParams encoder = ista.params();
    if (encoder.T() != grid.max()) {
      throw new IllegalArgumentException("encoder: T = " + encoder.T() + ", the depth grid ends at " + grid.max());
    }
    if (lassoHat.dictionary() != op.d()) {
      throw new IllegalArgumentException("lassoHat: expected a solver for the operator's dictionary");
    }
    if (lassoHat.lambda() != encoder.lambda() || lassoStar.lambda() != encoder.lambda()) {
      throw new IllegalArgumentException("lambda: the encoder has " + encoder.lambda() + ", the lasso solvers "
          + lassoHat.lambda() + " and " + lassoStar.lambda());
    }
    if (lassoStar.m() != op.m() || lassoStar.p() != op.p()) {
      throw new IllegalArgumentException("D*: expected " + op.m() + " x " + op.p() + ", got " + lassoStar.m() + " x "
          + lassoStar.p());
    }
    this.op = op;
    this.ista = ista;
    this.lassoHat = lassoHat;
    this.lassoStar = lassoStar;
    this.grid = grid;
    this.m = op.m();
    this.p = op.p();
    this.chunk = Math.min(ista.maxStoredColumns(), cacheColumns(op.p()));
    this.terms = new BlockBackward(m, p);
  }

  public DepthGrid grid() {
    return grid;
  }

  /**
   * The widest chunk for cache blocking: the backward passes sweep a p x b code matrix and its
   * masks once per layer and depth, so b is kept to about 200 KB of doubles per matrix
   * ({@code 25600 / p} columns, 256 at p = 100), which measured 1.6x faster per sample than
   * chunks of 1024 on this machine (bench/StudyBench).
   */
  static int cacheColumns(int p) {
    return Math.max(8, 25600 / p);
  }

  /**
   * Turns on the Jacobian read-outs (Theorem 3.2): for sample i a random direction
   * {@code E_i = u_i w_i^T} ({@code u_i ~ N(0, I_m)}, {@code w_i ~ N(0, I_p)}, drawn from the stream
   * {@code (seed, DIRECTIONS, i)}), and per depth {@code ||J_t E_i - J_hat E_i||^2}, where
   * {@code J_t E} is the derivative of {@code z_t} along E by forward mode through the stored layers
   * and {@code J_hat E} that of the lasso solution by the implicit function theorem on its support S:
   * {@code dz_S = -(D_S^T D_S)^{-1} (E_S^T (D z_hat - x) + D_S^T E z_hat)}, 0 off S. Since
   * {@code E[vec(E) vec(E)^T] = I}, the mean over samples estimates
   * {@code E_x ||J_t - J_hat||_F^2} without bias. Costs about one more forward pass.
   */
  public void enableJacobian(long seed) {
    this.jacobian = true;
    this.directionSeed = seed;
    this.depthIndex = new int[grid.max() + 1];
    Arrays.fill(depthIndex, -1);
    for (int i = 0; i < grid.size(); i++) {
      depthIndex[grid.depth(i)] = i;
    }
  }

  /** See {@link UnfoldedIsta#setSparseDensity}: 0 runs every layer by GEMM. */
  public void setSparseDensity(double density) {
    ista.setSparseDensity(density);
  }

  /**
   * Adds the block's samples to {@code sums}.
   *
   * @param x      the samples, m x cols column-major at {@code xOff}; not modified
   * @param zTilde their generating codes, p x cols column-major at {@code zOff}; not modified
   * @param sums   modified; its depth count must equal the grid's size
   */
  public void add(double[] x, int xOff, double[] zTilde, int zOff, int cols, DepthStudySums sums) {
    add(x, xOff, zTilde, zOff, cols, 0, sums);
  }

  /**
   * Adds the block's samples to {@code sums}; {@code firstIndex} is the global index of the first
   * sample (it keys the Jacobian directions, so that they do not depend on the partitioning).
   *
   * @param x      the samples, m x cols column-major at {@code xOff}; not modified
   * @param zTilde their generating codes, p x cols column-major at {@code zOff}; not modified
   * @param sums   modified; its depth count must equal the grid's size
   */
  public void add(double[] x, int xOff, double[] zTilde, int zOff, int cols, long firstIndex, DepthStudySums sums) {
    if (sums.m() != m || sums.p() != p || sums.depths() != grid.size()) {
      throw new IllegalArgumentException("sums: expected " + m + " x " + p + " x " + grid.size() + " depths, got "
          + sums.m() + " x " + sums.p() + " x " + sums.depths());
    }
    if (cols < 0 || xOff < 0 || xOff + (long) m * cols > x.length || zOff < 0
        || zOff + (long) p * cols > zTilde.length) {
      throw new IllegalArgumentException("block: " + cols + " columns do not fit the sample or code arrays");
    }
    if (cols == 0) {
      return;
    }
    sums.prepare();
    try {
      for (int j = 0; j < cols; j += chunk) {
        int b = Math.min(chunk, cols - j);
        addChunk(x, xOff + j * m, zTilde, zOff + j * p, b, firstIndex + j, sums);
      }
    } finally {
      ista.releaseStoredCodes();
    }
  }

  private void addChunk(double[] x, int xOff, double[] zTilde, int zOff, int b, long first, DepthStudySums sums) {
    int T = grid.max();
    long t0 = System.nanoTime();
    UnfoldedIsta.StoredCodes codes = ista.forwardAll(x, xOff, b);
    double[] zs = codes.array();
    long t1 = System.nanoTime();
    FistaLasso.Result hat = lassoHat.solve(x, xOff, b, zs, codes.offset(T));
    long t2 = System.nanoTime();
    FistaLasso.Result star = lassoStar.solve(x, xOff, b, hat.z(), 0);
    long t3 = System.nanoTime();
    addReference(x, xOff, b, hat.z(), 0, sums.reference(DepthStudySums.Reference.HAT));
    addReference(x, xOff, b, star.z(), 0, sums.reference(DepthStudySums.Reference.STAR));
    addReference(x, xOff, b, zTilde, zOff, sums.reference(DepthStudySums.Reference.TILDE));
    double[] zHat = hat.z();
    for (int i = 0; i < grid.size(); i++) {
      int o = codes.offset(grid.depth(i));
      double errSum = 0;
      long found = 0;
      for (int c = 0; c < b; c++) {
        double e = 0;
        boolean same = true;
        int oc = o + c * p;
        int hc = c * p;
        for (int q = 0; q < p; q++) {
          double zt = zs[oc + q];
          double zh = zHat[hc + q];
          double dlt = zt - zh;
          e += dlt * dlt;
          same &= (zt != 0) == (zh != 0);
        }
        errSum += Math.sqrt(e);
        found += same ? 1 : 0;
      }
      sums.addCodeStatistics(i, errSum, found);
    }
    long t4 = System.nanoTime();
    for (int i = 0; i < grid.size(); i++) {
      int t = grid.depth(i);
      ista.accumulateFromDepth(GradientKind.DEC, t, x, xOff, b, sums.atDepth(GradientKind.DEC, i));
      ista.accumulateAeFromDepth(t, x, xOff, b, sums.atDepth(GradientKind.AE_LS, i),
          sums.atDepth(GradientKind.AE_LASSO, i));
    }
    if (jacobian) {
      jacobianChunk(x, xOff, b, codes, zHat, first, sums);
    }
    long t5 = System.nanoTime();
    sums.addSamples(b, Math.max(hat.maxKkt(), star.maxKkt()), hat.unconverged() + star.unconverged());
    sums.addSeconds(DepthStudySums.Phase.FORWARD, (t1 - t0) * 1e-9);
    sums.addSeconds(DepthStudySums.Phase.LASSO_HAT, (t2 - t1) * 1e-9);
    sums.addSeconds(DepthStudySums.Phase.LASSO_STAR, (t3 - t2) * 1e-9);
    sums.addSeconds(DepthStudySums.Phase.REFERENCES, (t4 - t3) * 1e-9);
    sums.addSeconds(DepthStudySums.Phase.BACKWARD, (t5 - t4) * 1e-9);
  }

  private void jacobianChunk(double[] x, int xOff, int b, UnfoldedIsta.StoredCodes codes, double[] zHat, long first,
      DepthStudySums sums) {
    int pb = p * b;
    if (dirU.length < m * b) {
      dirU = new double[m * b];
    }
    if (dirW.length < pb) {
      dirW = new double[pb];
      dtu = new double[pb];
      dHat = new double[pb];
      dz = new double[pb];
      dv = new double[pb];
    }
    if (ux.length < b) {
      ux = new double[b];
    }
    double[] d = op.d();
    for (int c = 0; c < b; c++) {
      SplittableRandom rng = new SplittableRandom(Seeds.derive(directionSeed, DIRECTIONS, first + c));
      for (int i = 0; i < m; i++) {
        dirU[c * m + i] = rng.nextGaussian();
      }
      for (int i = 0; i < p; i++) {
        dirW[c * p + i] = rng.nextGaussian();
      }
      ux[c] = blas.ddot(m, dirU, c * m, 1, x, xOff + c * m, 1);
    }
    // D^T u for every column
    blas.dgemm("T", "N", p, b, m, 1.0, d, 0, m, dirU, 0, m, 0.0, dtu, 0, p);
    double reference = 0;
    for (int c = 0; c < b; c++) {
      reference += lassoDirection(zHat, c);
    }
    // forward mode: dz_{s+1} = 1{z_{s+1} != 0} .* (G dz_s - alpha w (u^T r_s) - alpha D^T u (w^T z_s))
    double alpha = ista.params().alpha();
    double[] zs = codes.array();
    double[] err = new double[grid.size()];
    Arrays.fill(dz, 0, pb, 0.0);
    for (int s = 0; s < grid.max(); s++) {
      if (s == 0) {
        Arrays.fill(dv, 0, pb, 0.0);
      } else {
        blas.dgemm("N", "N", p, b, p, 1.0, op.g(), 0, p, dz, 0, p, 0.0, dv, 0, p);
      }
      int zo = s == 0 ? -1 : codes.offset(s);
      int mo = codes.offset(s + 1);
      int at = depthIndex[s + 1];
      double e = 0;
      for (int c = 0; c < b; c++) {
        int o = c * p;
        double ur = -ux[c];
        double wz = 0;
        if (zo >= 0) {
          for (int i = 0; i < p; i++) {
            double z = zs[zo + o + i];
            if (z != 0) {
              ur += dtu[o + i] * z;
              wz += dirW[o + i] * z;
            }
          }
        }
        for (int i = 0; i < p; i++) {
          double val = zs[mo + o + i] != 0 ? dv[o + i] - alpha * (dirW[o + i] * ur + dtu[o + i] * wz) : 0.0;
          dz[o + i] = val;
          if (at >= 0) {
            double diff = val - dHat[o + i];
            e += diff * diff;
          }
        }
      }
      if (at >= 0) {
        err[at] = e;
      }
    }
    sums.addJacobian(err, reference, b);
  }

  /**
   * {@code J_hat E} of column c into {@link #dHat}: on the support S of {@code z_hat},
   * {@code (D_S^T D_S) dz_S = -(w_S (u^T r) + (D^T u)_S (w^T z_hat))}, {@code r = D z_hat - x};
   * returns {@code ||J_hat E||^2}.
   */
  private double lassoDirection(double[] zHat, int c) {
    int o = c * p;
    Arrays.fill(dHat, o, o + p, 0.0);
    int k = 0;
    for (int i = 0; i < p; i++) {
      if (zHat[o + i] != 0) {
        k++;
      }
    }
    if (k == 0) {
      return 0;
    }
    int[] sup = new int[k];
    k = 0;
    double ur = -ux[c];
    double wz = 0;
    for (int i = 0; i < p; i++) {
      double z = zHat[o + i];
      if (z != 0) {
        sup[k++] = i;
        ur += dtu[o + i] * z;
        wz += dirW[o + i] * z;
      }
    }
    double[] h = new double[k * k];
    double[] rhs = new double[k];
    double[] d = op.d();
    for (int a = 0; a < k; a++) {
      for (int bb = 0; bb <= a; bb++) {
        double v = blas.ddot(m, d, sup[a] * m, 1, d, sup[bb] * m, 1);
        h[a + bb * k] = v;
        h[bb + a * k] = v;
      }
      rhs[a] = -(dirW[o + sup[a]] * ur + dtu[o + sup[a]] * wz);
    }
    intW info = new intW(0);
    Blas.lapack().dposv("U", k, 1, h, k, rhs, k, info);
    if (info.val != 0) {
      throw new ArithmeticException("J_hat: D_S^T D_S is singular on a support of " + k + " atoms");
    }
    double norm = 0;
    for (int a = 0; a < k; a++) {
      dHat[o + sup[a]] = rhs[a];
      norm += rhs[a] * rhs[a];
    }
    return norm;
  }

  /** {@code sums += (D z - x) z^T} over the chunk, with the statistics of z. */
  private void addReference(double[] x, int xOff, int b, double[] z, int zOff, GradientSums sums) {
    if (r.length < m * b) {
      r = new double[m * b];
    }
    terms.residual(op.d(), x, xOff, b, z, zOff, r, sums);
    terms.decoderTerm(b, r, z, zOff, sums.gradientBuffer());
  }
}
