package org.pudle.kernels.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.pudle.kernels.GradientKind;
import org.pudle.kernels.study.DepthStudySums.Reference;
import org.pudle.kernels.study.StudyEstimates.Norm;
import org.pudle.kernels.study.StudyEstimates.Row;

/** The least-squares rate fit: exact on geometric curves, restricted to settled depths. */
class StudyRatesTest {

  /** A row whose every error is {@code value(t, kind)}; the code error is that of DEC. */
  static Row row(int t, GradientKind kind, double error, double codeError, double supportFound, double jacobian) {
    double[][] err = new double[Reference.values().length][Norm.values().length];
    double[][] se = new double[Reference.values().length][Norm.values().length];
    for (double[] e : err) {
      java.util.Arrays.fill(e, error);
    }
    return new Row(t, kind, err, se, codeError, 0, supportFound, jacobian, 0, 1000);
  }

  @Test
  void aGeometricCurveGivesItsFactorOverTheSettledDepthsOnly() {
    List<Row> rows = new ArrayList<>();
    int[] depths = {1, 2, 5, 10, 20, 50, 100};
    for (int t : depths) {
      // supports found from t = 10 on; before, the curve is off the geometric law
      double support = t >= 10 ? 0.99 : 0.5;
      double z = t >= 10 ? 3 * Math.pow(0.9, t) : 100;
      for (GradientKind k : GradientKind.values()) {
        double g = k == GradientKind.AE_LS ? 2 * Math.pow(0.8, t) : 5 * Math.pow(0.95, t);
        rows.add(row(t, k, t >= 10 ? g : 1e3, z, support, t >= 10 ? 7 * Math.pow(0.85, t) : Double.NaN));
      }
    }
    StudyRates.Rate z = StudyRates.codeError(rows);
    assertEquals(0.9, z.rho(), 1e-12);
    assertEquals(10, z.first(), 0);
    assertEquals(100, z.last(), 0);
    assertEquals(4, z.depths());
    assertEquals(0.8, StudyRates.gradientError(rows, GradientKind.AE_LS, Reference.HAT, Norm.FRO).rho(), 1e-12);
    assertEquals(0.95, StudyRates.gradientError(rows, GradientKind.DEC, Reference.TILDE, Norm.OPERATOR).rho(), 1e-12);
    assertEquals(0.85, StudyRates.jacobianError(rows).rho(), 1e-12);
  }

  @Test
  void theFitIsTheLeastSquaresSlopeOfTheLogs() {
    // log y = {0, -1, -1.5, -3} at t = {1, 2, 3, 4}: slope = sum (t - 2.5)(y - mean y) / sum (t - 2.5)^2
    double[] logs = {0, -1, -1.5, -3};
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < logs.length; i++) {
      rows.add(row(i + 1, GradientKind.DEC, Math.exp(logs[i]), Math.exp(logs[i]), 1, Double.NaN));
    }
    double my = (0 - 1 - 1.5 - 3) / 4;
    double sxy = -1.5 * (0 - my) - 0.5 * (-1 - my) + 0.5 * (-1.5 - my) + 1.5 * (-3 - my);
    double slope = sxy / 5;
    assertEquals(Math.exp(slope), StudyRates.codeError(rows).rho(), 1e-14);
  }

  @Test
  void fewerThanTwoUsableDepthsGiveNoRate() {
    List<Row> rows = List.of(row(5, GradientKind.DEC, 0.1, 0.1, 1, Double.NaN),
        row(10, GradientKind.DEC, 0, 0, 1, Double.NaN), // zero: no logarithm
        row(20, GradientKind.DEC, 0.01, 0.01, 0.9, Double.NaN)); // supports not yet found
    StudyRates.Rate r = StudyRates.codeError(rows);
    assertTrue(Double.isNaN(r.rho()) && Double.isNaN(r.first()) && Double.isNaN(r.last()));
    assertEquals(1, r.depths());
    assertEquals(0, StudyRates.jacobianError(rows).depths(), "a Jacobian that was not measured");
  }
}
