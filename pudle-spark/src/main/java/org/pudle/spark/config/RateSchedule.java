package org.pudle.spark.config;

import java.io.Serializable;
import java.util.Locale;

/**
 * Adam's learning rate over the updates ({@code adam.lr.schedule}): constant, step (multiplied by
 * {@code factor} every {@code every} updates) or cosine (from {@code adam.lr} at the first update
 * down towards {@code adam.lr.min}, which it would reach one update after the last, as PyTorch's
 * {@code CosineAnnealingLR} with {@code T_max} the run's updates: the last update still moves, also
 * with {@code adam.lr.min = 0}). The rate of update {@code k} (1-based) depends on k
 * alone, so a resumed run, whose Adam state carries k, continues the same schedule.
 *
 * @param kind    constant, step or cosine
 * @param every   step: updates between the steps
 * @param factor  step: the factor of each step
 * @param min     cosine: the rate the schedule falls to (one update after the last)
 * @param updates cosine: the run's number of updates
 */
public record RateSchedule(String kind, int every, double factor, double min, int updates) implements Serializable {

  public RateSchedule {
    kind = kind.toLowerCase(Locale.ROOT);
    if (!kind.equals("constant") && !kind.equals("step") && !kind.equals("cosine")) {
      throw new IllegalArgumentException("adam.lr.schedule: expected constant, step or cosine, got " + kind);
    }
  }

  /** Whether the rate is always {@code adam.lr}. */
  public boolean constant() {
    return kind.equals("constant");
  }

  /** The rate of update {@code k} (1-based) for the base rate {@code lr}. */
  public double at(long k, double lr) {
    switch (kind) {
      case "step":
        return lr * Math.pow(factor, (k - 1) / every);
      case "cosine":
        double t = updates < 1 ? 0 : Math.min(1, (double) (k - 1) / updates);
        return min + 0.5 * (lr - min) * (1 + Math.cos(Math.PI * t));
      default:
        return lr;
    }
  }
}
