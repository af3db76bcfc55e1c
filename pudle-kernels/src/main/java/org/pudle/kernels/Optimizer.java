package org.pudle.kernels;

/**
 * A first-order update of a flat parameter array, with its state inside: Adam for PUDLE
 * (Algorithm 2), plain gradient descent for alternating minimization (Algorithm 1).
 */
public interface Optimizer {

  /** Updates {@code theta} in place from {@code grad} (not modified). */
  void step(double[] theta, double[] grad);

  /** Adam with its state, starting from zero moments. */
  static AdamOptimizer adam(Adam adam, int size) {
    return new AdamOptimizer(adam, Adam.State.initial(size));
  }

  /** {@code theta -= eta grad}. */
  static Optimizer gradientDescent(double eta) {
    if (!(eta > 0) || Double.isInfinite(eta)) {
      throw new IllegalArgumentException("learning rate: expected a positive value, got " + eta);
    }
    return (theta, grad) -> {
      for (int i = 0; i < theta.length; i++) {
        theta[i] -= eta * grad[i];
      }
    };
  }

  /** Adam and its state; the state can be read and replaced, for checkpoints. */
  final class AdamOptimizer implements Optimizer {
    private final Adam adam;
    private final java.util.function.LongToDoubleFunction rateAt;
    private Adam.State state;

    public AdamOptimizer(Adam adam, Adam.State state) {
      this(adam, state, null);
    }

    /**
     * Adam whose learning rate at step {@code k} (1-based, the state's count after the step) is
     * {@code rateAt(k)} instead of {@code adam.lr()}: a schedule that a restored state continues.
     */
    public AdamOptimizer(Adam adam, Adam.State state, java.util.function.LongToDoubleFunction rateAt) {
      this.adam = adam;
      this.state = state;
      this.rateAt = rateAt;
    }

    @Override
    public void step(double[] theta, double[] grad) {
      Adam a = rateAt == null ? adam
          : new Adam(rateAt.applyAsDouble(state.step() + 1), adam.beta1(), adam.beta2(), adam.eps());
      state = a.step(theta, grad, state);
    }

    public Adam.State state() {
      return state;
    }

    public void restore(Adam.State s) {
      state = s;
    }
  }
}
