package org.pudle.kernels.study;

import org.pudle.kernels.DictionaryOperator;
import org.pudle.kernels.EncoderParams;
import org.pudle.kernels.FistaLasso;
import org.pudle.kernels.GradientKind;
import org.pudle.kernels.GradientSums;
import org.pudle.kernels.UnfoldedIstaCpu;
import org.pudle.kernels.linalg.Blas;

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
 * GEMM, plus the two lasso solves. The backward passes run the layers whose codes are sparse
 * (by default, from the first layer after which every code has at most p/4 non-zeros) column by
 * column on the supports, which costs {@code 4 |S_t| |S_{t+1}|} instead of {@code 4 p^2} per layer
 * and sample; the sums are the same to rounding. Scratch: that of an {@link UnfoldedIstaCpu} keeping all T codes
 * (within {@code scratchBytes}) plus the lasso codes of a chunk. One instance per task or thread.
 */
public final class DepthStudyKernel {
  private final BLAS blas = Blas.blas();
  private final DictionaryOperator op;
  private final UnfoldedIstaCpu ista;
  private final FistaLasso lassoHat;
  private final FistaLasso lassoStar;
  private final DepthGrid grid;
  private final int m;
  private final int p;
  private final int chunk;
  private double[] r = new double[0];

  /**
   * @param op        the current dictionary D and its iteration matrix
   * @param encoder   the encoder; its T must equal {@code grid.max()}
   * @param lassoHat  a lasso solver for D, with the encoder's lambda
   * @param lassoStar a lasso solver for {@code D*}, with the same lambda
   */
  public DepthStudyKernel(DictionaryOperator op, EncoderParams encoder, DepthGrid grid, FistaLasso lassoHat,
      FistaLasso lassoStar, long scratchBytes) {
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
    this.ista = new UnfoldedIstaCpu(op, encoder, scratchBytes);
    this.lassoHat = lassoHat;
    this.lassoStar = lassoStar;
    this.grid = grid;
    this.m = op.m();
    this.p = op.p();
    this.chunk = ista.chunkColumns(GradientKind.AE_LS);
  }

  public DepthGrid grid() {
    return grid;
  }

  /** See {@link UnfoldedIstaCpu#setSparseDensity}: 0 runs every backward layer by GEMM. */
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
    for (int j = 0; j < cols; j += chunk) {
      int b = Math.min(chunk, cols - j);
      addChunk(x, xOff + j * m, zTilde, zOff + j * p, b, sums);
    }
  }

  private void addChunk(double[] x, int xOff, double[] zTilde, int zOff, int b, DepthStudySums sums) {
    int T = grid.max();
    long t0 = System.nanoTime();
    UnfoldedIstaCpu.StoredCodes codes = ista.forwardAll(x, xOff, b);
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
      for (GradientKind kind : GradientKind.values()) {
        ista.accumulateFromDepth(kind, t, x, xOff, b, sums.atDepth(kind, i));
      }
    }
    long t5 = System.nanoTime();
    sums.addSamples(b, Math.max(hat.maxKkt(), star.maxKkt()), hat.unconverged() + star.unconverged());
    sums.addSeconds(DepthStudySums.Phase.FORWARD, (t1 - t0) * 1e-9);
    sums.addSeconds(DepthStudySums.Phase.LASSO_HAT, (t2 - t1) * 1e-9);
    sums.addSeconds(DepthStudySums.Phase.LASSO_STAR, (t3 - t2) * 1e-9);
    sums.addSeconds(DepthStudySums.Phase.REFERENCES, (t4 - t3) * 1e-9);
    sums.addSeconds(DepthStudySums.Phase.BACKWARD, (t5 - t4) * 1e-9);
  }

  /** {@code sums += (D z - x) z^T} over the chunk, with the statistics of z. */
  private void addReference(double[] x, int xOff, int b, double[] z, int zOff, GradientSums sums) {
    if (r.length < m * b) {
      r = new double[m * b];
    }
    System.arraycopy(x, xOff, r, 0, m * b);
    blas.dgemm("N", "N", m, b, p, 1.0, op.d(), 0, m, z, zOff, p, -1.0, r, 0, m);
    blas.dgemm("N", "T", m, p, b, 1.0, r, 0, m, z, zOff, p, 1.0, sums.gradientBuffer(), 0, m);
    double loss = 0;
    for (int i = 0; i < m * b; i++) {
      loss += r[i] * r[i];
    }
    double l1 = 0;
    long nnz = 0;
    for (int i = zOff; i < zOff + p * b; i++) {
      if (z[i] != 0) {
        l1 += Math.abs(z[i]);
        nnz++;
      }
    }
    sums.addStatistics(b, 0.5 * loss, l1, nnz);
  }
}
