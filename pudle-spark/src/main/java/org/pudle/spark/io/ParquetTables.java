package org.pudle.spark.io;

import java.io.IOException;
import java.util.List;
import java.util.UUID;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.CatalystTypeConverters;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.execution.datasources.parquet.ParquetWriteSupport;
import org.apache.spark.sql.internal.SQLConf;
import org.apache.spark.sql.types.StructType;

import scala.Function1;
import scala.Option;

/**
 * Small tables held by the driver (a dictionary, a model's one row) written as a Parquet dataset
 * the way Spark SQL writes one: a folder with one {@code part-00000-<uuid>-c000.snappy.parquet}
 * and an empty {@code _SUCCESS}, Spark's schema in the file's footer, so that
 * {@code spark.read().parquet(...)} gives back the same columns and types (user-defined types such
 * as Spark ML's matrices included), and pyarrow or pandas read it as any Parquet file.
 *
 * <p>The rows are encoded by Spark's own {@code ParquetWriteSupport} with Spark SQL's default
 * settings (standard, not legacy, layout; snappy; not the session's settings), without dictionary
 * encoding, and written here in the calling thread, without a DataFrame or a Spark job: the first
 * DataFrame of a process starts Spark SQL's session state, query planning and code generation,
 * which takes seconds, more than the files themselves.
 */
public final class ParquetTables {
  private ParquetTables() {}

  /**
   * Writes {@code rows} of {@code schema} as the Parquet dataset {@code dir}, which must not
   * exist yet (callers write under a temporary name, {@link OutputDir#writeDirectory}).
   *
   * @throws IOException when {@code dir} exists or a file cannot be written
   */
  public static void write(String dir, Configuration conf, StructType schema, List<Row> rows) throws IOException {
    Path folder = new Path(dir);
    FileSystem fs = folder.getFileSystem(conf);
    if (fs.exists(folder)) {
      throw new IOException(dir + " already exists");
    }
    fs.mkdirs(folder);
    // Spark SQL's defaults, not the active session's: SQLConf.get() (here and in
    // ParquetWriteSupport) would otherwise build the session's state, the very start-up cost
    // this class avoids
    Option<SparkSession> active = SparkSession.getActiveSession();
    SparkSession.clearActiveSession();
    try {
      writePart(folder, conf, schema, rows);
    } finally {
      if (active.isDefined()) {
        SparkSession.setActiveSession(active.get());
      }
    }
    fs.create(new Path(folder, "_SUCCESS"), false).close();
  }

  private static void writePart(Path folder, Configuration conf, StructType schema, List<Row> rows)
      throws IOException {
    SQLConf sql = SQLConf.get();
    Configuration c = new Configuration(conf);
    c.set(ParquetWriteSupport.SPARK_ROW_SCHEMA(), schema.json());
    c.set(SQLConf.PARQUET_WRITE_LEGACY_FORMAT().key(), Boolean.toString(sql.writeLegacyParquetFormat()));
    c.set(SQLConf.PARQUET_OUTPUT_TIMESTAMP_TYPE().key(), sql.parquetOutputTimestampType().toString());
    c.set(SQLConf.PARQUET_FIELD_ID_WRITE_ENABLED().key(), Boolean.toString(sql.parquetFieldIdWriteEnabled()));
    Function1<Object, Object> toCatalyst = CatalystTypeConverters.createToCatalystConverter(schema);
    Path file = new Path(folder, "part-00000-" + UUID.randomUUID() + "-c000.snappy.parquet");
    // no dictionary encoding: the tables are of doubles that rarely repeat, whose dictionary
    // would only be built to be dropped
    try (ParquetWriter<InternalRow> writer = new Builder(file).withConf(c)
        .withCompressionCodec(CompressionCodecName.SNAPPY).withDictionaryEncoding(false)
        .withWriteMode(ParquetFileWriter.Mode.CREATE).build()) {
      for (Row row : rows) {
        writer.write((InternalRow) toCatalyst.apply(row));
      }
    }
  }

  /** A {@link ParquetWriter} of Spark's internal rows through Spark's own write support. */
  private static final class Builder extends ParquetWriter.Builder<InternalRow, Builder> {
    Builder(Path file) {
      super(file);
    }

    @Override
    protected Builder self() {
      return this;
    }

    @Override
    protected WriteSupport<InternalRow> getWriteSupport(Configuration conf) {
      return new ParquetWriteSupport();
    }
  }
}
