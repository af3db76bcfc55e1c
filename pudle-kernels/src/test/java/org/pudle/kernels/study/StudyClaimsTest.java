package org.pudle.kernels.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.pudle.kernels.GradientKind;
import org.pudle.kernels.study.DepthStudySums.Reference;
import org.pudle.kernels.study.StudyEstimates.Norm;
import org.pudle.kernels.study.StudyEstimates.Row;

/** The acceptance list on curves made to satisfy or to break each claim. */
class StudyClaimsTest {
  private static final DepthGrid GRID = DepthGrid.of(1, 5, 10, 20, 50, 100, 150, 200);

  /** Rows with {@code hat(t, kind)} as the error to g_hat and {@code tilde(kind)} as that to g_tilde, in both norms. */
  private static List<Row> rows(java.util.function.BiFunction<Integer, GradientKind, Double> hat,
      java.util.function.Function<GradientKind, Double> tilde) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < GRID.size(); i++) {
      int t = GRID.depth(i);
      for (GradientKind k : GradientKind.values()) {
        double[][] err = new double[Reference.values().length][Norm.values().length];
        for (Norm n : Norm.values()) {
          err[Reference.HAT.ordinal()][n.ordinal()] = hat.apply(t, k);
          err[Reference.STAR.ordinal()][n.ordinal()] = 1;
          err[Reference.TILDE.ordinal()][n.ordinal()] = tilde.apply(k);
        }
        rows.add(new Row(t, k, err, new double[3][2], 1, 0, 1, Double.NaN, Double.NaN, 100));
      }
    }
    return rows;
  }

  /** The paper's picture: g_ae-lasso below g_dec from t = 10 on, 10x apart at 100, g_ae-ls flat, closest to g~. */
  private static double paper(int t, GradientKind k) {
    return switch (k) {
      case DEC -> Math.pow(0.97, t);
      case AE_LASSO -> t >= 10 ? 0.1 * Math.pow(0.97, t) : 2 * Math.pow(0.97, t);
      case AE_LS -> 1e-3 * (1 + 1e-3 / t);
    };
  }

  @Test
  void thePapersPictureMeetsEveryClaim() {
    List<Row> rows = rows(StudyClaimsTest::paper, k -> k == GradientKind.AE_LS ? 0.1 : 0.5);
    List<StudyClaims.Claim> claims = StudyClaims.check(rows, GRID, Norm.FRO);
    assertEquals(5, claims.size());
    assertTrue(claims.get(0).holds(), claims.get(0).line());
    assertNull(claims.get(1).holds());
    assertTrue(claims.get(1).line().contains("from t = 10 on"), claims.get(1).line());
    assertTrue(claims.get(2).holds() && claims.get(2).line().contains("(10.0x)"), claims.get(2).line());
    assertTrue(claims.get(3).holds(), claims.get(3).line());
    assertTrue(claims.get(3).line().contains("at t = 100") && claims.get(3).line().contains("at t = 200"));
    assertTrue(claims.get(4).holds() && claims.get(4).line().contains("at t = 200: yes"), claims.get(4).line());
    String text = StudyClaims.text(rows, GRID, Norm.OPERATOR);
    assertTrue(text.startsWith("[study] the paper's claims on these numbers, spectral norm:\n"), text);
    assertEquals(6, text.split("\n").length);
  }

  @Test
  void eachClaimFailsWhenItsCurveDoes() {
    // g_ae-lasso above g_dec at t = 50 only; the curves 2x apart at 100; g_ae-ls still falling; g_dec closest to g~
    List<Row> rows = rows((t, k) -> switch (k) {
      case DEC -> Math.pow(0.97, t);
      case AE_LASSO -> t == 50 ? 2 * Math.pow(0.97, t) : 0.5 * Math.pow(0.97, t);
      case AE_LS -> Math.pow(0.9, t);
    }, k -> k == GradientKind.DEC ? 0.1 : 0.5);
    List<StudyClaims.Claim> claims = StudyClaims.check(rows, GRID, Norm.FRO);
    assertFalse(claims.get(0).holds(), claims.get(0).line());
    assertTrue(claims.get(0).line().endsWith(": NO\n"), claims.get(0).line());
    assertTrue(claims.get(1).line().contains("from t = 100 on"), claims.get(1).line());
    assertFalse(claims.get(2).holds(), claims.get(2).line());
    assertFalse(claims.get(3).holds(), claims.get(3).line());
    assertFalse(claims.get(4).holds(), claims.get(4).line());
  }

  @Test
  void aShortGridLeavesOutWhatItCannotCheck() {
    DepthGrid grid = DepthGrid.of(1, 5);
    List<Row> rows = new ArrayList<>();
    for (Row r : rows(StudyClaimsTest::paper, k -> 0.5)) {
      if (r.t() <= 5) {
        rows.add(r);
      }
    }
    List<StudyClaims.Claim> claims = StudyClaims.check(rows, grid, Norm.FRO);
    assertEquals(3, claims.size(), "no t = 100 and fewer than three depths");
    assertTrue(claims.get(1).line().contains("never"), claims.get(1).line());
    assertNull(StudyClaims.find(rows, 100, GradientKind.DEC));
  }
}
