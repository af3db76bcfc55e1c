package org.pudle.spark.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.pudle.kernels.EncoderParams;
import org.pudle.kernels.FistaLasso;

/**
 * Everything {@code pudle encode} needs: the samples, the dictionary, the encoder and where the
 * codes go.
 *
 * @param dictionary the m x p dictionary file (.npy or CSV)
 * @param fista      FISTA to the lasso's KKT tolerance instead of the T-layer unfolded encoder
 * @param lasso      FISTA's tolerance and iteration cap
 */
public record EncodeParams(String name, InputParams input, String dictionary, EncoderParams encoder, boolean fista,
    FistaLasso.Options lasso, ExecutionParams execution, String output) {

  public static final List<KeyDoc> OWN_KEYS = List.of(
      new KeyDoc("dictionary", "(required)", "the dictionary: .npy or CSV, m x p (a train run's dictionary.npy)"),
      new KeyDoc("encoder", "unfolded", "unfolded (T layers of ISTA, the encoder of training) or fista (the lasso to the KKT tolerance)"),
      new KeyDoc("fista.tolerance", "1e-10", "FISTA: the KKT residual every code must reach"),
      new KeyDoc("fista.iterations", "20000", "FISTA: the iteration cap (codes above the tolerance are counted and reported)"),
      new KeyDoc("output", "runs/<config name>-codes", "output directory (any Hadoop path): codes.parquet, summary.txt"));

  /** Every key {@code encode} understands. */
  public static List<KeyDoc> keys() {
    List<KeyDoc> all = new ArrayList<>(InputParams.KEYS);
    all.add(new KeyDoc("m", "inferred", "the signal dimension the input must have"));
    all.addAll(OWN_KEYS);
    all.addAll(EncoderConfig.KEYS);
    all.addAll(ExecutionParams.KEYS);
    return Collections.unmodifiableList(all);
  }

  public static Set<String> keyNames() {
    Set<String> s = new LinkedHashSet<>();
    for (KeyDoc k : keys()) {
      s.add(k.name());
    }
    return s;
  }

  public static EncodeParams from(Config c) {
    InputParams input = InputParams.from(c);
    String dictionary = c.string("dictionary", null);
    EncoderParams enc = EncoderConfig.from(c);
    boolean fista = c.parse("encoder", false, s -> {
      switch (s.toLowerCase(Locale.ROOT)) {
        case "unfolded":
          return false;
        case "fista":
          return true;
        default:
          throw new IllegalArgumentException();
      }
    }, "unfolded or fista");
    double tol = c.real("fista.tolerance", 1e-10);
    int iterations = c.integer("fista.iterations", 20000);
    ExecutionParams exec = ExecutionParams.from(c);
    String output = c.string("output", "runs/" + c.name() + "-codes");
    c.requireAllUsed(keyNames());
    if (input == null) {
      throw c.error("input", "encode needs the samples to encode: set input to a file, directory or glob");
    }
    if (dictionary == null) {
      throw c.error("dictionary", "encode needs the dictionary: set dictionary to a .npy or CSV file (m x p)");
    }
    if (!(tol > 0) || Double.isInfinite(tol)) {
      throw c.error("fista.tolerance", "expected a positive tolerance, got " + tol);
    }
    if (iterations < 1) {
      throw c.error("fista.iterations", "expected a positive count, got " + iterations);
    }
    return new EncodeParams(c.name(), input, dictionary, enc, fista,
        new FistaLasso.Options(tol, iterations, 10, FistaLasso.Options.DEFAULT.polishBelow()), exec, output);
  }
}
