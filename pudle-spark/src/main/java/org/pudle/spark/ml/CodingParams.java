package org.pudle.spark.ml;

import org.pudle.kernels.EncoderParams;
import org.pudle.kernels.FistaLasso;
import org.pudle.kernels.IhtCoding;
import org.pudle.kernels.ThresholdKind;
import org.pudle.kernels.pool.KernelSpec;

/** The kernels' settings as the params of an estimator or a model give them. */
final class CodingParams {
  private CodingParams() {}

  /** The encoder with decay factor {@code decay}. */
  static EncoderParams encoder(PudleParams ps, double decay) {
    return new EncoderParams(ps.getNumLayers(), ps.getAlpha(), ps.getLambda(), ThresholdKind.parse(ps.getThreshold()),
        ps.getHardThreshold(), decay);
  }

  /** The kernel backend ({@code kernels} with {@code kernelPrecision}, {@code cudaGemm} and {@code kernelLayers}). */
  static KernelSpec kernelSpec(PudleParams ps) {
    return KernelSpec.parse(ps.getKernels() + ":" + ps.getKernelPrecision() + ":" + ps.getCudaGemm() + ":"
        + ps.getKernelLayers());
  }

  /** The lasso solver's options (non-negative with {@code positiveCodes}). */
  static FistaLasso.Options lasso(PudleParams ps) {
    FistaLasso.Options d = FistaLasso.Options.DEFAULT;
    return new FistaLasso.Options(ps.getLassoTol(), ps.getLassoMaxIter(), d.checkEvery(), d.polishBelow(),
        ps.getPositiveCodes());
  }

  /** NOODL's coding options (one-sided with {@code positiveCodes}). */
  static IhtCoding.Options iht(PudleParams ps) {
    return new IhtCoding.Options(ps.getNoodlC(), ps.getNoodlEtaX(), ps.getNoodlTau(), ps.getNoodlTol(),
        ps.getNoodlMaxIter(), ps.getPositiveCodes());
  }

  /** The coding transform uses: {@code coding}, with {@code auto} resolved by {@code method}. */
  static String resolvedCoding(PudleParams ps) {
    String c = ps.getCoding();
    if (!c.equals("auto")) {
      return c;
    }
    switch (ps.getMethod()) {
      case "altmin":
        return "lasso";
      case "noodl":
        return "iht";
      default:
        return "encoder";
    }
  }

  /**
   * Checks that the codings in use can give non-negative codes when {@code positiveCodes} is set:
   * the coding of transform, and at fit ({@code training}) the method's own.
   *
   * @throws IllegalArgumentException naming the params
   */
  static void checkPositiveCodes(PudleParams ps, boolean training) {
    if (!ps.getPositiveCodes()) {
      return;
    }
    String who = ps.pudleParams().who();
    String coding = resolvedCoding(ps);
    if (coding.equals("encoder") || coding.equals("omp")) {
      throw new IllegalArgumentException(who + " param positiveCodes: coding " + coding + " has no non-negative "
          + "variant; use coding lasso or iht" + (ps.getCoding().equals("auto") ? " (coding auto follows method "
          + ps.getMethod() + ")" : ""));
    }
    if (training && ps.getMethod().equals("pudle")) {
      throw new IllegalArgumentException(who + " param positiveCodes: method pudle codes with the unfolded encoder, "
          + "whose thresholds are two-sided; non-negative codes need method altmin or noodl");
    }
  }
}
