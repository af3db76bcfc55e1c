package org.pudle.spark.config;

import org.pudle.kernels.EncoderParams;
import org.pudle.kernels.FistaLasso;
import org.pudle.spark.data.InputParams;

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

  /** Reads and validates the keys of {@link Commands#ENCODE}; rejects unknown keys. */
  public static EncodeParams from(Config c) {
    c.requireKnown(Commands.ENCODE);
    InputParams input = InputSettings.from(c);
    String dictionary = c.get(EncodeSettings.DICTIONARY);
    EncoderParams enc = EncoderSettings.from(c);
    boolean fista = c.get(EncodeSettings.FISTA);
    double tol = c.get(EncodeSettings.FISTA_TOLERANCE);
    int iterations = c.get(EncodeSettings.FISTA_ITERATIONS);
    ExecutionParams exec = ExecutionParams.from(c);
    String output = c.get(EncodeSettings.OUTPUT);
    if (input == null) {
      throw c.error("input", "encode needs the samples to encode: set input to a file, directory or glob");
    }
    if (dictionary == null) {
      throw c.error("dictionary", "encode needs the dictionary: set dictionary to a .npy or CSV file (m x p)");
    }
    return new EncodeParams(c.name(), input, dictionary, enc, fista,
        new FistaLasso.Options(tol, iterations, 10, FistaLasso.Options.DEFAULT.polishBelow()), exec, output);
  }
}
