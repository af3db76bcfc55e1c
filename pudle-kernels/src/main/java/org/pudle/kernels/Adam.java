package org.pudle.kernels;

import java.io.Serializable;

/**
 * Adam with PyTorch's semantics ({@code torch.optim.Adam}, no weight decay, no amsgrad), on a
 * flat parameter array. At step {@code k = 1, 2, ...}:
 * <pre>
 *   m = b1 m + (1 - b1) g;   v = b2 v + (1 - b2) g^2
 *   theta -= (lr / (1 - b1^k)) * m / (sqrt(v) / sqrt(1 - b2^k) + eps)
 * </pre>
 * evaluated in PyTorch's order, so the arithmetic matches it to rounding.
 *
 * @param lr    the learning rate, positive
 * @param beta1 in [0, 1)
 * @param beta2 in [0, 1)
 * @param eps   non-negative
 */
public record Adam(double lr, double beta1, double beta2, double eps) implements Serializable {

  /** PyTorch's defaults except the learning rate: beta1 0.9, beta2 0.999, eps 1e-8. */
  public static Adam withLearningRate(double lr) {
    return new Adam(lr, 0.9, 0.999, 1e-8);
  }

  public Adam {
    if (!(lr > 0) || Double.isInfinite(lr)) {
      throw new IllegalArgumentException("adam.lr: expected a positive learning rate, got " + lr);
    }
    if (!(beta1 >= 0 && beta1 < 1)) {
      throw new IllegalArgumentException("adam.beta1: expected a value in [0, 1), got " + beta1);
    }
    if (!(beta2 >= 0 && beta2 < 1)) {
      throw new IllegalArgumentException("adam.beta2: expected a value in [0, 1), got " + beta2);
    }
    if (!(eps >= 0) || Double.isInfinite(eps)) {
      throw new IllegalArgumentException("adam.eps: expected a non-negative value, got " + eps);
    }
  }

  /**
   * The optimizer state: the step count and the two moment estimates. The arrays are updated in
   * place by {@link #step}.
   */
  public record State(long step, double[] m, double[] v) implements Serializable {
    /** The state before the first step of a parameter of {@code size} entries. */
    public static State initial(int size) {
      return new State(0, new double[size], new double[size]);
    }

    /** A deep copy, for checkpoints. */
    public State copy() {
      return new State(step, m.clone(), v.clone());
    }
  }

  /**
   * One Adam step.
   *
   * @param theta the parameters, updated in place
   * @param grad  the gradient, not modified
   * @param state its moment arrays are updated in place
   * @return the state with the step count advanced
   */
  public State step(double[] theta, double[] grad, State state) {
    if (theta.length != grad.length || theta.length != state.m().length || theta.length != state.v().length) {
      throw new IllegalArgumentException("adam: sizes differ: parameters " + theta.length + ", gradient "
          + grad.length + ", state " + state.m().length + "/" + state.v().length);
    }
    long k = state.step() + 1;
    double bias1 = 1 - Math.pow(beta1, k);
    double bias2 = 1 - Math.pow(beta2, k);
    double stepSize = lr / bias1;
    double bias2Sqrt = Math.sqrt(bias2);
    double[] m = state.m();
    double[] v = state.v();
    for (int i = 0; i < theta.length; i++) {
      double g = grad[i];
      // torch: exp_avg.lerp_(grad, 1 - beta1); exp_avg_sq.mul_(beta2).addcmul_(grad, grad, 1 - beta2)
      m[i] = m[i] + (1 - beta1) * (g - m[i]);
      v[i] = v[i] * beta2 + (1 - beta2) * g * g;
      double denom = Math.sqrt(v[i]) / bias2Sqrt + eps;
      theta[i] -= stepSize * (m[i] / denom);
    }
    return new State(k, m, v);
  }
}
