package org.pudle.spark.config;

import org.pudle.kernels.EncoderParams;
import org.pudle.kernels.FistaLasso;
import org.pudle.spark.data.DataTransform;
import org.pudle.spark.data.InputParams;
import org.pudle.spark.data.SampleNormalization;
import org.pudle.spark.io.ModelFiles;
import org.pudle.spark.io.Storage;

/**
 * Everything {@code pudle encode} needs: the samples, the dictionary, the encoder and where the
 * codes go.
 *
 * @param dictionary the m x p dictionary file (.npy or CSV)
 * @param fista      FISTA to the lasso's KKT tolerance instead of the T-layer unfolded encoder
 * @param lasso      FISTA's tolerance and iteration cap
 * @param transform  the data transform of the model (its scaling is applied to the samples as
 *                   read), or none without {@code model}
 * @param codesFormat {@code codes.format}: parquet, npy, csr or csv
 * @param errorsOnly {@code codes.errors.only}: write the per-sample errors instead of the codes
 */
public record EncodeParams(String name, InputParams input, String dictionary, EncoderParams encoder, boolean fista,
    FistaLasso.Options lasso, ExecutionParams execution, String output, DataTransform transform, String codesFormat,
    boolean errorsOnly) {

  /** Reads and validates the keys of {@link Commands#ENCODE}; rejects unknown keys. */
  public static EncodeParams from(Config c) {
    c.requireKnown(Commands.ENCODE);
    DataTransform transform = fromModel(c, Commands.ENCODE, EncodeSettings.DICTIONARY);
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
        new FistaLasso.Options(tol, iterations, 10, FistaLasso.Options.DEFAULT.polishBelow()), exec, output,
        transform, c.get(EncodeSettings.CODES_FORMAT), c.get(EncodeSettings.ERRORS_ONLY));
  }

  /**
   * With {@code model = DIR}: its keys become the defaults of the command's keys that are not
   * given (the encoder, the patches, the normalization), {@code dictionary} (which must not be
   * given) becomes the model's {@code dictionary.npy}, and its transform is returned; without, a
   * transform that does nothing.
   */
  static DataTransform fromModel(Config c, CommandSettings command, Setting<String> dictionary) {
    String model = c.get(EncodeSettings.MODEL);
    if (model == null) {
      return new DataTransform(null, SampleNormalization.NONE, DataTransform.Scaling.NONE, new double[0]);
    }
    if (dictionary != null && c.isSet(dictionary)) {
      throw c.error(dictionary.name(), "the dictionary comes from model = " + model + "; give one of them");
    }
    ModelFiles.Loaded loaded = ModelFiles.read(model, Storage.driverConfiguration(), "config key 'model'");
    String from = "model " + model + "/" + ModelFiles.PROPERTIES;
    for (var e : loaded.keys().entrySet()) {
      if (command.names().contains(e.getKey()) && c.raw(e.getKey()) == null) {
        c.put(e.getKey(), e.getValue(), from);
      }
    }
    if (dictionary != null) {
      c.put(dictionary.name(), new org.apache.hadoop.fs.Path(model, ModelFiles.DICTIONARY).toString(), from);
    }
    return loaded.transform();
  }
}
