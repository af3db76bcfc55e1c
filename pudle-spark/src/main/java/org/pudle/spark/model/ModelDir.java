package org.pudle.spark.model;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.linalg.DenseMatrix;
import org.apache.spark.ml.param.ParamMap;
import org.pudle.kernels.EncoderParams;
import org.pudle.kernels.ThresholdKind;
import org.pudle.kernels.io.Npy;
import org.pudle.spark.data.DataTransform;
import org.pudle.spark.io.ModelFiles;
import org.pudle.spark.io.RunOutputs;
import org.pudle.spark.ml.PudleModel;

/**
 * The model directory of a train run ({@code OUTPUT/model}): what {@code encode --model},
 * {@code reconstruct --model} and Spark ML's {@link PudleModel#load} read, with no setting retyped.
 * <ul>
 *   <li>{@code metadata/}, {@code data/}: the {@link PudleModel} (the dictionary and the encoder's
 *       params: numLayers, alpha, lambda, threshold, hardThreshold, lambdaDecay), written by its
 *       own writer;
 *   <li>{@code dictionary.npy}: the same m x p dictionary, for numpy and for the commands' checks
 *       before Spark starts;
 *   <li>{@code pudle.properties}: the encoder as config keys ({@code T}, {@code lambda},
 *       {@code alpha}, {@code threshold}, {@code ht.b}, {@code lambda.decay}) and the data
 *       transform ({@link DataTransform#toProperties}: patches, mean removal, scaling).
 * </ul>
 * With {@code alpha = auto} the model's step is that of the learned dictionary. {@link ModelFiles}
 * reads it back without Spark.
 */
public final class ModelDir {
  private ModelDir() {}

  /** Writes {@code OUTPUT/model} through the run's outputs (renamed into place when complete). */
  public static void write(RunOutputs out, double[] d, int m, int p, EncoderParams encoder, DataTransform transform)
      throws IOException {
    out.directory("model", path -> write(path, d, m, p, encoder, transform));
  }

  /** Writes a model directory at {@code path} (which must not exist) on the active Spark session. */
  public static void write(String path, double[] d, int m, int p, EncoderParams encoder, DataTransform transform)
      throws IOException {
    PudleModel base = new PudleModel(new DenseMatrix(m, p, d.clone()));
    ParamMap params = new ParamMap()
        .put(base.numLayers().w(encoder.T()))
        .put(base.alpha().w(encoder.alpha()))
        .put(base.lambda().w(encoder.lambda()))
        .put(base.threshold().w(encoder.threshold() == ThresholdKind.HARD ? "hard" : "soft"))
        .put(base.lambdaDecay().w(encoder.decay()));
    if (encoder.threshold() == ThresholdKind.HARD) {
      params.put(base.hardThreshold().w(encoder.htB()));
    }
    PudleModel model = base.copy(params);
    model.write().save(path);
    Configuration conf = org.apache.spark.sql.SparkSession.active().sparkContext().hadoopConfiguration();
    FileSystem fs = new Path(path).getFileSystem(conf);
    try (OutputStream o = fs.create(new Path(path, ModelFiles.DICTIONARY), false)) {
      Npy.writeColumnMajor(o, d, m, p);
    }
    try (OutputStream o = fs.create(new Path(path, ModelFiles.PROPERTIES), false)) {
      o.write(ModelFiles.properties(encoder, transform).getBytes(StandardCharsets.UTF_8));
    }
  }
}
