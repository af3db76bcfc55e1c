package org.pudle.kernels.study;

import java.io.Serializable;

import org.pudle.kernels.GradientKind;
import org.pudle.kernels.GradientSums;

/**
 * The sums of a gradient study over a set of samples (docs/math.md#gradient-study-estimates, paper
 * section 3): for every depth {@code t} of a {@link DepthGrid} and every {@link GradientKind} the
 * gradient sum of the network truncated at t, the sums of the three reference gradients
 * <ul>
 *   <li>{@code g_hat   = sum (D z_hat - x) z_hat^T}, {@code z_hat} the lasso codes for D,
 *   <li>{@code g_star  = sum (D z* - x) z*^T}, {@code z*} the lasso codes for {@code D*},
 *   <li>{@code g_tilde = sum (D z~ - x) z~^T}, {@code z~} the generating codes,
 * </ul>
 * all at the current D, and per depth {@code sum_i ||z_t^i - z_hat^i||_2} and the number of
 * samples whose support of {@code z_t} equals that of {@code z_hat}. Also how well the lasso was
 * solved and where the time went.
 *
 * <p>Holds sums, not means. Everything but the shape is allocated on the first {@link #prepare},
 * so an empty instance is tiny; {@link #merge} adds another set of samples.
 */
public final class DepthStudySums implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The reference gradients, in the order of {@link #reference}. */
  public enum Reference {
    HAT("ghat"), STAR("gstar"), TILDE("gtilde");

    private final String key;

    Reference(String key) {
      this.key = key;
    }

    /** The CSV column stem: ghat, gstar, gtilde. */
    public String key() {
      return key;
    }
  }

  /** The timers of {@link #seconds}. */
  public enum Phase {
    FORWARD, LASSO_HAT, LASSO_STAR, BACKWARD, REFERENCES
  }

  private final int m;
  private final int p;
  private final int depths;
  private GradientSums[] perDepth;
  private GradientSums[] references;
  private double[] codeError;
  private long[] supportFound;
  private double[] jacobianError;
  private double jacobianReference;
  private long jacobianCount;
  private long count;
  private double maxKkt;
  private long unconverged;
  private final double[] seconds = new double[Phase.values().length];

  public DepthStudySums(int m, int p, int depths) {
    if (m < 1 || p < 1 || depths < 1) {
      throw new IllegalArgumentException("study sums: expected m, p and depths >= 1, got " + m + ", " + p + ", "
          + depths);
    }
    this.m = m;
    this.p = p;
    this.depths = depths;
  }

  /** Allocates the arrays (on the first block). */
  void prepare() {
    if (perDepth != null) {
      return;
    }
    perDepth = new GradientSums[GradientKind.values().length * depths];
    for (int i = 0; i < perDepth.length; i++) {
      perDepth[i] = new GradientSums(m, p);
    }
    references = new GradientSums[Reference.values().length];
    for (int i = 0; i < references.length; i++) {
      references[i] = new GradientSums(m, p);
    }
    codeError = new double[depths];
    supportFound = new long[depths];
    jacobianError = new double[depths];
  }

  public int m() {
    return m;
  }

  public int p() {
    return p;
  }

  /** The number of depths of the grid. */
  public int depths() {
    return depths;
  }

  /** Whether no sample was added. */
  public boolean isEmpty() {
    return perDepth == null;
  }

  /** The sums of {@code kind} at depth position {@code i} (allocated when needed). */
  public GradientSums atDepth(GradientKind kind, int i) {
    prepare();
    return perDepth[kind.ordinal() * depths + i];
  }

  /** The sums of a reference gradient (allocated when needed). */
  public GradientSums reference(Reference r) {
    prepare();
    return references[r.ordinal()];
  }

  /** Adds per-depth code statistics of a chunk. */
  void addCodeStatistics(int i, double errorSum, long found) {
    codeError[i] += errorSum;
    supportFound[i] += found;
  }

  /**
   * Adds the Jacobian read-outs of a chunk: per depth {@code sum_i ||(J_t^i - J_hat^i) E_i||^2}
   * along the samples' random directions, and {@code sum_i ||J_hat^i E_i||^2}.
   */
  void addJacobian(double[] errorSums, double referenceSum, long samples) {
    for (int i = 0; i < depths; i++) {
      jacobianError[i] += errorSums[i];
    }
    jacobianReference += referenceSum;
    jacobianCount += samples;
  }

  /** Samples with Jacobian read-outs (0 when the Jacobian study is off). */
  public long jacobianCount() {
    return jacobianCount;
  }

  /** {@code sum_i ||(J_t^i - J_hat^i) E_i||^2} at depth position {@code i}. */
  public double jacobianErrorSum(int i) {
    return jacobianError == null ? 0 : jacobianError[i];
  }

  /** {@code sum_i ||J_hat^i E_i||^2}. */
  public double jacobianReferenceSum() {
    return jacobianReference;
  }

  void addSamples(long samples, double blockMaxKkt, long blockUnconverged) {
    count += samples;
    maxKkt = Math.max(maxKkt, blockMaxKkt);
    unconverged += blockUnconverged;
  }

  void addSeconds(Phase phase, double s) {
    seconds[phase.ordinal()] += s;
  }

  /** The number of samples. */
  public long count() {
    return count;
  }

  /** {@code sum_i ||z_t^i - z_hat^i||_2} at depth position {@code i}. */
  public double codeErrorSum(int i) {
    return codeError == null ? 0 : codeError[i];
  }

  /** The samples whose {@code supp(z_t) = supp(z_hat)} at depth position {@code i}. */
  public long supportFound(int i) {
    return supportFound == null ? 0 : supportFound[i];
  }

  /** The largest KKT residual of any lasso code (z_hat or z*). */
  public double maxKkt() {
    return maxKkt;
  }

  /** Lasso codes that stopped above the solver's tolerance. */
  public long unconverged() {
    return unconverged;
  }

  /** Seconds spent in {@code phase}, summed over tasks. */
  public double seconds(Phase phase) {
    return seconds[phase.ordinal()];
  }

  /**
   * Adds {@code other} into this and returns this; an empty side is a no-op. {@code other} is not
   * modified, and nothing of it is shared afterwards.
   */
  public DepthStudySums merge(DepthStudySums other) {
    if (other.m != m || other.p != p || other.depths != depths) {
      throw new IllegalArgumentException("merge: study sums differ in shape: " + m + " x " + p + " x " + depths
          + " vs " + other.m + " x " + other.p + " x " + other.depths);
    }
    for (int i = 0; i < seconds.length; i++) {
      seconds[i] += other.seconds[i];
    }
    count += other.count;
    maxKkt = Math.max(maxKkt, other.maxKkt);
    unconverged += other.unconverged;
    if (other.perDepth == null) {
      return this;
    }
    // never adopts other's arrays: GradientSums.merge copies into an empty side
    prepare();
    for (int i = 0; i < perDepth.length; i++) {
      perDepth[i].merge(other.perDepth[i]);
    }
    for (int i = 0; i < references.length; i++) {
      references[i].merge(other.references[i]);
    }
    for (int i = 0; i < depths; i++) {
      codeError[i] += other.codeError[i];
      supportFound[i] += other.supportFound[i];
      jacobianError[i] += other.jacobianError[i];
    }
    jacobianReference += other.jacobianReference;
    jacobianCount += other.jacobianCount;
    return this;
  }
}
