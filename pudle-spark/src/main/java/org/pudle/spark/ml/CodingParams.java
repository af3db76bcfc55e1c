package org.pudle.spark.ml;

import java.util.List;
import java.util.Locale;

import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.pudle.kernels.EncoderParams;
import org.pudle.kernels.FistaLasso;
import org.pudle.kernels.IhtCoding;
import org.pudle.kernels.ThresholdKind;
import org.pudle.spark.config.SparkMlParams;
import org.pudle.kernels.pool.KernelSpec;

/**
 * The parameters that {@link PudleDictionaryLearning} and {@link PudleModel} share: the columns
 * and how a sample is coded (the unfolded encoder, the lasso, or NOODL's IHT). Java cannot mix a
 * Scala trait of parameter fields into two classes, so each class holds its own {@link Param}
 * objects, made here with one name, doc and validator, and reads them back through the helpers.
 */
final class CodingParams {
  private CodingParams() {}

  static final List<String> CODINGS = List.of("auto", "encoder", "lasso", "iht");
  static final List<String> THRESHOLDS = List.of("soft", "hard");
  static final List<String> KERNELS = List.of("auto", "cpu", "cuda");
  static final List<String> PRECISIONS = List.of("double", "float");

  static Param<String> inputCol(Identifiable owner) {
    return new Param<>(owner, "inputCol",
        "input column: the samples x, a vector or an array of double or float, all of one length m");
  }

  static Param<String> outputCol(Identifiable owner) {
    return new Param<>(owner, "outputCol", "output column of transform: the sparse code of each sample (a vector of length p)");
  }

  static Param<String> coding(Identifiable owner) {
    return new Param<>(owner, "coding",
        "how transform codes a sample: encoder (z_T of the unfolded ISTA encoder with the model's numLayers, alpha, "
            + "lambda, threshold, hardThreshold and lambdaDecay), lasso (the lasso solution by FISTA to lassoTol), iht "
            + "(NOODL's iterative hard thresholding) or auto (the training method's own: encoder for pudle, lasso for "
            + "altmin, iht for noodl)",
        ParamValidators.inArray(CODINGS));
  }

  static IntParam numLayers(Identifiable owner) {
    return new IntParam(owner, "numLayers", "T: the unfolded ISTA layers of the encoder (>= 1)",
        ParamValidators.gtEq(1));
  }

  static DoubleParam alpha(Identifiable owner) {
    return new DoubleParam(owner, "alpha",
        "the ISTA step; needs alpha < 2 / sigma_max(D)^2 (checked against the initial dictionary)",
        positive());
  }

  static DoubleParam lambda(Identifiable owner) {
    return new DoubleParam(owner, "lambda", "the lasso weight lambda > 0", positive());
  }

  static Param<String> threshold(Identifiable owner) {
    return new Param<>(owner, "threshold",
        "the encoder's proximal step: soft (sign(v) max(|v| - alpha lambda_t, 0)) or hard (v 1{|v| >= b_t})",
        ParamValidators.inArray(THRESHOLDS));
  }

  static DoubleParam hardThreshold(Identifiable owner) {
    return new DoubleParam(owner, "hardThreshold", "b of the hard threshold (> 0)", positive());
  }

  static DoubleParam lambdaDecay(Identifiable owner) {
    return new DoubleParam(owner, "lambdaDecay",
        "beta in (0, 1] of lambda_t = lambda beta^t and b_t = b beta^t across the layers; 1 = no decay",
        ParamValidators.inRange(0, 1, false, true));
  }

  static DoubleParam lassoTol(Identifiable owner) {
    return new DoubleParam(owner, "lassoTol",
        "the KKT residual the lasso codes must reach (method altmin, coding lasso)", positive());
  }

  static IntParam lassoMaxIter(Identifiable owner) {
    return new IntParam(owner, "lassoMaxIter", "the FISTA iteration cap of the lasso codes",
        ParamValidators.gtEq(1));
  }

  static DoubleParam noodlC(Identifiable owner) {
    return new DoubleParam(owner, "noodlC",
        "NOODL: C, a lower bound on the code magnitudes; the IHT starts from HT_{C/2}(D^T x)",
        ParamValidators.inRange(0, Double.MAX_VALUE, true, true));
  }

  static DoubleParam noodlEtaX(Identifiable owner) {
    return new DoubleParam(owner, "noodlEtaX", "NOODL: the IHT step eta_x (> 0)", positive());
  }

  static DoubleParam noodlTau(Identifiable owner) {
    return new DoubleParam(owner, "noodlTau", "NOODL: the IHT threshold tau (> 0)", positive());
  }

  static DoubleParam noodlTol(Identifiable owner) {
    return new DoubleParam(owner, "noodlTol",
        "NOODL: an IHT code stops when its relative change falls below this", positive());
  }

  static IntParam noodlMaxIter(Identifiable owner) {
    return new IntParam(owner, "noodlMaxIter", "NOODL: the IHT iteration cap", ParamValidators.gtEq(0));
  }

  static Param<String> kernels(Identifiable owner) {
    return new Param<>(owner, "kernels", "the kernel backend of the unfolded encoder (pudle's gradients and the "
        + "encoder coding of transform): auto (CUDA where an executor has a driver and a device, else the CPU), cpu "
        + "or cuda", ParamValidators.inArray(KERNELS));
  }

  static Param<String> kernelPrecision(Identifiable owner) {
    return new Param<>(owner, "kernelPrecision", "the CUDA backend's precision: double or float",
        ParamValidators.inArray(PRECISIONS));
  }

  /** Positive and finite. */
  static <T> scala.Function1<T, Object> positive() {
    return ParamValidators.inRange(0, Double.MAX_VALUE, false, true);
  }

  /** The shared parameters of an owner (the estimator or the model). */
  interface Owner {
    Param<String> inputCol();

    Param<String> outputCol();

    Param<String> coding();

    IntParam numLayers();

    DoubleParam alpha();

    DoubleParam lambda();

    Param<String> threshold();

    DoubleParam hardThreshold();

    DoubleParam lambdaDecay();

    DoubleParam lassoTol();

    IntParam lassoMaxIter();

    DoubleParam noodlC();

    DoubleParam noodlEtaX();

    DoubleParam noodlTau();

    DoubleParam noodlTol();

    IntParam noodlMaxIter();

    Param<String> kernels();

    Param<String> kernelPrecision();
  }

  /**
   * Sets the defaults of the shared params: those of the Spark ML side, and, for every param of
   * {@code ps} that mirrors a config key, the key's default from the registry
   * ({@link SparkMlParams#MIRRORS}).
   */
  static void setDefaults(Params ps, Owner o) {
    ps.setDefault(o.inputCol(), "features");
    ps.setDefault(o.outputCol(), "codes");
    ps.setDefault(o.coding(), "auto");
    setMirroredDefaults(ps);
  }

  /** The defaults of the params of {@code ps} that mirror config keys: the keys' defaults. */
  @SuppressWarnings("unchecked")
  static void setMirroredDefaults(Params ps) {
    for (SparkMlParams.Mirror m : SparkMlParams.MIRRORS) {
      if (ps.hasParam(m.param())) {
        ps.setDefault((Param<Object>) ps.getParam(m.param()), m.defaultValue());
      }
    }
  }

  static <T> T get(Params ps, Param<T> p) {
    return ps.getOrDefault(p);
  }

  static int getInt(Params ps, IntParam p) {
    return (Integer) ps.getOrDefault(p);
  }

  static double getDouble(Params ps, DoubleParam p) {
    return (Double) ps.getOrDefault(p);
  }

  /** The encoder with the given decay factor. */
  static EncoderParams encoder(Params ps, Owner o, double decay) {
    return new EncoderParams(getInt(ps, o.numLayers()), getDouble(ps, o.alpha()), getDouble(ps, o.lambda()),
        ThresholdKind.parse(get(ps, o.threshold())), getDouble(ps, o.hardThreshold()), decay);
  }

  /** The kernel backend of the params ({@code kernels} with {@code kernelPrecision}). */
  static KernelSpec kernelSpec(Params ps, Owner o) {
    return KernelSpec.parse(get(ps, o.kernels()) + ":" + get(ps, o.kernelPrecision()));
  }

  static FistaLasso.Options lasso(Params ps, Owner o) {
    FistaLasso.Options d = FistaLasso.Options.DEFAULT;
    return new FistaLasso.Options(getDouble(ps, o.lassoTol()), getInt(ps, o.lassoMaxIter()), d.checkEvery(),
        d.polishBelow());
  }

  static IhtCoding.Options iht(Params ps, Owner o) {
    return new IhtCoding.Options(getDouble(ps, o.noodlC()), getDouble(ps, o.noodlEtaX()), getDouble(ps, o.noodlTau()),
        getDouble(ps, o.noodlTol()), getInt(ps, o.noodlMaxIter()));
  }

  /**
   * Checks that the input column holds vectors or arrays of double or float.
   *
   * @throws IllegalArgumentException naming the column and its type
   */
  static void checkInput(StructType schema, String col, String who) {
    if (!java.util.Arrays.asList(schema.fieldNames()).contains(col)) {
      throw new IllegalArgumentException(who + ": input column '" + col + "' is not in the dataset (columns: "
          + String.join(", ", schema.fieldNames()) + "); set it with setInputCol");
    }
    DataType t = schema.apply(col).dataType();
    boolean ok = t.equals(SQLDataTypes.VectorType()) || (t instanceof ArrayType
        && (((ArrayType) t).elementType().equals(DataTypes.DoubleType)
        || ((ArrayType) t).elementType().equals(DataTypes.FloatType)));
    if (!ok) {
      throw new IllegalArgumentException(who + ": input column '" + col + "' must be a vector or an array of double or "
          + "float, got " + t.simpleString());
    }
  }

  /** The schema with the output column of codes added. */
  static StructType withOutput(StructType schema, String col, String who) {
    if (java.util.Arrays.asList(schema.fieldNames()).contains(col)) {
      throw new IllegalArgumentException(who + ": output column '" + col + "' already exists; set another with "
          + "setOutputCol");
    }
    return schema.add(new StructField(col, SQLDataTypes.VectorType(), true, org.apache.spark.sql.types.Metadata.empty()));
  }

  static String lower(String s) {
    return s.toLowerCase(Locale.ROOT);
  }
}
