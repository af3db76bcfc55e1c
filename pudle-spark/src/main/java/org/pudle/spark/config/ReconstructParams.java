package org.pudle.spark.config;

import org.pudle.kernels.EncoderParams;
import org.pudle.spark.data.DataTransform;
import org.pudle.spark.data.InputParams;

/**
 * Everything {@code pudle reconstruct} needs: the images, the model (its dictionary, encoder and
 * transform, with the encoder keys given here over the model's), the noise of a denoising
 * experiment, and where the images go.
 *
 * @param dictionary the model's {@code dictionary.npy}
 * @param patches    the model's patch size and color with this run's stride
 * @param reference  clean images matched by file name, or null (with noise: the input)
 */
public record ReconstructParams(String name, String input, String model, String dictionary, EncoderParams encoder,
    DataTransform transform, InputParams.ImagePatches patches, String reference, double noiseSigma, long noiseSeed,
    ExecutionParams execution, String output) {

  /** Reads and validates the keys of {@link Commands#RECONSTRUCT}; rejects unknown keys. */
  public static ReconstructParams from(Config c) {
    c.requireKnown(Commands.RECONSTRUCT);
    String input = c.get(ReconstructSettings.INPUT);
    if (input == null) {
      throw c.error("input", "reconstruct needs the images: set input to a file, directory or glob");
    }
    if (c.get(ReconstructSettings.MODEL) == null) {
      throw c.error("model", "reconstruct needs a model: set model (or --model) to a train run's OUTPUT/model");
    }
    String model = c.get(ReconstructSettings.MODEL);
    String stride = c.raw(ReconstructSettings.STRIDE.name());
    DataTransform transform = EncodeParams.fromModel(c, Commands.RECONSTRUCT, null);
    if (transform.image() == null) {
      throw c.error("model", model + " was not learned on image patches (input.format = image); reconstruct "
          + "rebuilds images from patches");
    }
    if (stride == null) {
      c.put(ReconstructSettings.STRIDE.name(), "1", "default");
    }
    int[] s = c.get(ReconstructSettings.STRIDE);
    InputParams.ImagePatches im = transform.image();
    InputParams.ImagePatches patches = new InputParams.ImagePatches(im.height(), im.width(), s[0], s[1], im.rgb());
    EncoderParams enc = EncoderSettings.from(c);
    return new ReconstructParams(c.name(), input, model,
        new org.apache.hadoop.fs.Path(model, org.pudle.spark.io.ModelFiles.DICTIONARY).toString(), enc, transform,
        patches, c.get(ReconstructSettings.REFERENCE), c.get(ReconstructSettings.NOISE_SIGMA),
        c.get(ReconstructSettings.NOISE_SEED), ExecutionParams.from(c), c.get(ReconstructSettings.OUTPUT));
  }
}
