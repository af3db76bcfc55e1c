package org.pudle.spark.ml;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.linalg.Matrix;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWriter;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;
import org.pudle.kernels.io.Npy;
import org.pudle.spark.io.OutputDir;
import org.pudle.spark.io.ParquetTables;

import scala.Option;

/**
 * Saves a {@link PudleModel} as Spark ML saves its own models, in one directory that appears
 * whole (written under a temporary name, then renamed):
 * <pre>
 *   metadata/        Spark ML's JSON metadata (DefaultParamsWriter's, one line of part-00000): class,
 *                    uid, Spark version, and every param (paramMap: those set; defaultParamMap: the
 *                    defaults)
 *   data/            Parquet, one row: dictionary (a Spark ML matrix, m x p, the atoms as columns),
 *                    written without a Spark job (ParquetTables)
 *   summary/updates/ Parquet, one row per update (PudleTrainingSummary#history), when the model
 *                    has a summary
 *   summary/fit/     Parquet, one row: objective, numSamples, numRows, numInvalidRows, maxIter,
 *                    converged
 * </pre>
 * {@link PudleModel#load} (and {@code PipelineModel.load}) reads it back; every param goes
 * through its validator again. {@link #dictionaryNpy} exports the dictionary alone as a
 * {@code .npy} file for numpy.
 */
public final class PudleModelWriter extends MLWriter {
  private final PudleModel instance;

  PudleModelWriter(PudleModel instance) {
    this.instance = instance;
  }

  /** Replaces an existing model directory or {@code .npy} file (as Spark's {@code MLWriter.overwrite}). */
  @Override
  public PudleModelWriter overwrite() {
    super.overwrite();
    return this;
  }

  /**
   * As Spark's {@code MLWriter.save}: refuses an existing path unless {@link #overwrite()}, which
   * deletes it first, then writes. The existence check uses the SparkContext's Hadoop
   * configuration (as {@link #saveImpl} does) where Spark's uses the SQL session's, which would
   * build the whole SQL session state (about a second at the first save of a run) for one
   * {@code exists}.
   */
  @Override
  public void save(String path) throws IOException {
    Path out = new Path(path);
    FileSystem fs = out.getFileSystem(hadoopConf());
    Path qualified = out.makeQualified(fs.getUri(), fs.getWorkingDirectory());
    if (fs.exists(qualified)) {
      if (!shouldOverwrite()) {
        throw new IOException("Path " + path + " already exists. To overwrite it, please use write.overwrite().save(path)"
            + " for Scala and use write().overwrite().save(path) for Java and Python.");
      }
      fs.delete(qualified, true);
    }
    saveImpl(path);
  }

  @Override
  public void saveImpl(String path) {
    Path target = new Path(path);
    Path parent = target.getParent();
    try {
      if (parent == null) {
        throw new IOException(path + ": not a directory path");
      }
      OutputDir.open(parent.toString(), hadoopConf()).writeDirectory(target.getName(), this::writeAll);
    } catch (IOException e) {
      throw new UncheckedIOException("PudleModel " + instance.uid() + ": cannot save to " + path + ": "
          + e.getMessage(), e);
    }
  }

  private Configuration hadoopConf() {
    return sparkSession().sparkContext().hadoopConfiguration();
  }

  private void writeAll(String path) throws IOException {
    String metadata = DefaultParamsWriter.getMetadataToSave(instance, sc(), Option.empty(), Option.empty());
    OutputDir.writeFile(new Path(path, "metadata/part-00000").toString(), hadoopConf(),
        out -> out.write((metadata + "\n").getBytes(StandardCharsets.UTF_8)));
    OutputDir.writeFile(new Path(path, "metadata/_SUCCESS").toString(), hadoopConf(), out -> { });
    StructType schema = new StructType().add("dictionary", SQLDataTypes.MatrixType(), false);
    ParquetTables.write(new Path(path, "data").toString(), hadoopConf(), schema,
        List.of(RowFactory.create(instance.dictionary())));
    PudleTrainingSummary summary = instance.summaryOrNull();
    if (summary != null) {
      summary.save(sparkSession(), new Path(path, "summary").toString());
    }
  }

  /**
   * Writes the dictionary as a {@code .npy} file: an m x p float64 array (Fortran order; numpy's
   * {@code np.load} reads it as the same matrix), whole or not at all. An existing file is
   * replaced only after {@link #overwrite()}.
   *
   * @throws IOException when the file exists (without overwrite) or cannot be written
   */
  public void dictionaryNpy(String path) throws IOException {
    Path file = new Path(path);
    FileSystem fs = file.getFileSystem(hadoopConf());
    if (!shouldOverwrite() && fs.exists(file)) {
      throw new IOException(path + " already exists; call write().overwrite().dictionaryNpy(path) to replace it");
    }
    Matrix d = instance.dictionary();
    OutputDir.writeFile(path, hadoopConf(), out -> Npy.writeColumnMajor(out, d.toArray(), d.numRows(),
        d.numCols()));
  }

  /** Reads what {@link PudleModelWriter} wrote. */
  static final class Reader extends MLReader<PudleModel> {
    @Override
    public PudleModel load(String path) {
      DefaultParamsReader.Metadata metadata = DefaultParamsReader.loadMetadata(path, sc(), PudleModel.class.getName());
      Row row = sparkSession().read().parquet(new Path(path, "data").toString()).select("dictionary").head();
      PudleModel model = new PudleModel(metadata.uid(), (Matrix) row.get(0));
      metadata.getAndSetParams(model, Option.empty());
      Path summary = new Path(path, "summary");
      try {
        if (summary.getFileSystem(sc().hadoopConfiguration()).exists(summary)) {
          model.setSummary(PudleTrainingSummary.load(sparkSession(), summary.toString()));
        }
      } catch (IOException e) {
        throw new UncheckedIOException("PudleModel: cannot read " + summary + ": " + e.getMessage(), e);
      }
      return model;
    }
  }
}
