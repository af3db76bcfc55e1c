package org.pudle.spark.io;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;
import org.apache.parquet.schema.Types;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.UserDefinedType;

/**
 * Small tables held by the driver (a dictionary, a model's one row) written as a Parquet dataset
 * the way Spark SQL writes one: a folder with one {@code part-00000-<uuid>-c000.parquet} and an
 * empty {@code _SUCCESS}; in the file the Parquet schema Spark SQL gives these types (standard,
 * not legacy, layout: lists of three levels, bytes as 8-bit integers) and Spark's schema in the
 * footer, so that {@code spark.read().parquet(...)} gives back the same columns and types
 * (user-defined types such as Spark ML's matrices included), and pyarrow or pandas read it as any
 * Parquet file. Uncompressed (Spark's {@code compression=none}), without dictionary encoding: the
 * tables are of doubles that rarely repeat, whose dictionary would only be built to be dropped,
 * and that Snappy does not shrink (a learned 1000 x 1500 dictionary: 12,003,003 bytes with Snappy
 * for 12,000,000 bytes of values), while Hadoop's Snappy stream took 1.6 s of a new process to
 * compress a model's one row, which is one 12 MB page (parquet-mr cuts pages between records
 * only), against 0.26 s to write it uncompressed (docs/performance.md).
 *
 * <p>The rows go to parquet-mr's record consumer here, in the calling thread: no DataFrame, no
 * Spark job, no Spark SQL session or write support. The first DataFrame of a process starts
 * Spark SQL's session state, query planning and code generation, which takes seconds; Spark's
 * row writer converts every array element through closures (1.5 million of them for an m = 1000,
 * p = 1500 dictionary). The types: integers (byte, int, long), double, boolean, string, arrays of
 * those without nulls (given as Java arrays, lists or Scala sequences), nested structs (rows) and
 * user-defined types of those (their {@code serialize}d form).
 */
public final class ParquetTables {
  /** The footer keys Spark SQL writes and reads (ParquetWriteSupport, ParquetReadSupport). */
  static final String SPARK_VERSION_KEY = "org.apache.spark.version";
  static final String SPARK_SCHEMA_KEY = "org.apache.spark.sql.parquet.row.metadata";

  private ParquetTables() {}

  /**
   * Writes {@code rows} of {@code schema} as the Parquet dataset {@code dir}, which must not
   * exist yet (callers write under a temporary name, {@link OutputDir#writeDirectory}).
   *
   * @throws IOException              when {@code dir} exists or a file cannot be written
   * @throws IllegalArgumentException when the schema has a type this writer does not handle
   */
  public static void write(String dir, Configuration conf, StructType schema, List<Row> rows) throws IOException {
    MessageType message = messageType(schema);
    Path folder = new Path(dir);
    FileSystem fs = folder.getFileSystem(conf);
    if (fs.exists(folder)) {
      throw new IOException(dir + " already exists");
    }
    fs.mkdirs(folder);
    Path file = new Path(folder, "part-00000-" + UUID.randomUUID() + "-c000.parquet");
    Map<String, String> footer = new LinkedHashMap<>();
    footer.put(SPARK_VERSION_KEY, org.apache.spark.package$.MODULE$.SPARK_VERSION_SHORT());
    footer.put(SPARK_SCHEMA_KEY, schema.json());
    try (ParquetWriter<Row> writer = new Builder(file, schema, message, footer).withConf(conf)
        .withCompressionCodec(CompressionCodecName.UNCOMPRESSED).withDictionaryEncoding(false)
        .withWriteMode(ParquetFileWriter.Mode.CREATE).build()) {
      for (Row row : rows) {
        writer.write(row);
      }
    }
    fs.create(new Path(folder, "_SUCCESS"), false).close();
  }

  /** The Parquet schema Spark SQL writes for {@code schema} (SparkToParquetSchemaConverter, standard layout). */
  static MessageType messageType(StructType schema) {
    Types.MessageTypeBuilder b = Types.buildMessage();
    for (StructField f : schema.fields()) {
      b.addField(type(f.name(), f.dataType(), f.nullable()));
    }
    return b.named("spark_schema");
  }

  private static Type type(String name, DataType t, boolean nullable) {
    Type.Repetition rep = nullable ? Type.Repetition.OPTIONAL : Type.Repetition.REQUIRED;
    if (t instanceof UserDefinedType<?> udt) {
      return type(name, udt.sqlType(), nullable);
    } else if (t instanceof IntegerType) {
      return Types.primitive(PrimitiveTypeName.INT32, rep).named(name);
    } else if (t instanceof ByteType) {
      return Types.primitive(PrimitiveTypeName.INT32, rep).as(LogicalTypeAnnotation.intType(8, true)).named(name);
    } else if (t instanceof LongType) {
      return Types.primitive(PrimitiveTypeName.INT64, rep).named(name);
    } else if (t instanceof DoubleType) {
      return Types.primitive(PrimitiveTypeName.DOUBLE, rep).named(name);
    } else if (t instanceof BooleanType) {
      return Types.primitive(PrimitiveTypeName.BOOLEAN, rep).named(name);
    } else if (t instanceof StringType) {
      return Types.primitive(PrimitiveTypeName.BINARY, rep).as(LogicalTypeAnnotation.stringType()).named(name);
    } else if (t instanceof ArrayType a && !a.containsNull() && !(a.elementType() instanceof ArrayType)) {
      return Types.buildGroup(rep).as(LogicalTypeAnnotation.listType())
          .addField(Types.repeatedGroup().addField(type("element", a.elementType(), false)).named("list"))
          .named(name);
    } else if (t instanceof StructType s) {
      Types.GroupBuilder<org.apache.parquet.schema.GroupType> g = Types.buildGroup(rep);
      for (StructField f : s.fields()) {
        g.addField(type(f.name(), f.dataType(), f.nullable()));
      }
      return g.named(name);
    }
    throw new IllegalArgumentException("Parquet table column " + name + ": type " + t.simpleString()
        + " is not supported (integers, double, boolean, string, arrays of those without nulls, structs and"
        + " user-defined types of those)");
  }

  /** A row's fields: an external {@link Row} or, for a user-defined type's serialized form, an {@link InternalRow}. */
  private interface Fields {
    boolean isNull(int i);

    /** Field i as written: a boxed primitive, a String, a primitive array or List, or nested Fields. */
    Object value(int i, DataType t);
  }

  private static Fields external(Row row) {
    return new Fields() {
      @Override
      public boolean isNull(int i) {
        return row.isNullAt(i);
      }

      @Override
      public Object value(int i, DataType t) {
        Object v = row.get(i);
        return v instanceof Row r ? external(r) : v;
      }
    };
  }

  private static Fields internal(InternalRow row) {
    return new Fields() {
      @Override
      public boolean isNull(int i) {
        return row.isNullAt(i);
      }

      @Override
      public Object value(int i, DataType t) {
        if (t instanceof IntegerType) {
          return row.getInt(i);
        } else if (t instanceof ByteType) {
          return row.getByte(i);
        } else if (t instanceof LongType) {
          return row.getLong(i);
        } else if (t instanceof DoubleType) {
          return row.getDouble(i);
        } else if (t instanceof BooleanType) {
          return row.getBoolean(i);
        } else if (t instanceof StringType) {
          return row.getUTF8String(i).toString();
        } else if (t instanceof ArrayType a) {
          return array(row.getArray(i), a.elementType());
        } else if (t instanceof StructType s) {
          return internal(row.getStruct(i, s.size()));
        }
        throw new IllegalArgumentException("type " + t.simpleString());
      }
    };
  }

  private static Object array(ArrayData a, DataType element) {
    if (element instanceof DoubleType) {
      return a.toDoubleArray();
    } else if (element instanceof IntegerType) {
      return a.toIntArray();
    } else if (element instanceof LongType) {
      return a.toLongArray();
    } else if (element instanceof ByteType) {
      return a.toByteArray();
    } else if (element instanceof BooleanType) {
      return a.toBooleanArray();
    }
    List<Object> out = new java.util.ArrayList<>(a.numElements());
    for (int k = 0; k < a.numElements(); k++) {
      out.add(element instanceof StringType ? a.getUTF8String(k).toString() : a.get(k, element));
    }
    return out;
  }

  /** Writes rows of one schema through parquet-mr's record consumer, in Spark SQL's standard layout. */
  private static final class RowWriteSupport extends WriteSupport<Row> {
    private final StructType schema;
    private final MessageType message;
    private final Map<String, String> footer;
    private RecordConsumer rc;

    RowWriteSupport(StructType schema, MessageType message, Map<String, String> footer) {
      this.schema = schema;
      this.message = message;
      this.footer = footer;
    }

    @Override
    public WriteContext init(Configuration configuration) {
      return new WriteContext(message, footer);
    }

    @Override
    public void prepareForWrite(RecordConsumer recordConsumer) {
      this.rc = recordConsumer;
    }

    @Override
    public void write(Row row) {
      rc.startMessage();
      fields(schema, external(row));
      rc.endMessage();
    }

    private void fields(StructType s, Fields f) {
      StructField[] fs = s.fields();
      for (int i = 0; i < fs.length; i++) {
        if (f.isNull(i)) {
          if (!fs[i].nullable()) {
            throw new IllegalArgumentException("Parquet table column " + fs[i].name() + ": null in a non-nullable field");
          }
          continue;
        }
        rc.startField(fs[i].name(), i);
        value(fs[i].dataType(), f.value(i, fs[i].dataType()));
        rc.endField(fs[i].name(), i);
      }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private void value(DataType t, Object v) {
      if (t instanceof UserDefinedType udt) {
        InternalRow ir = (InternalRow) udt.serialize(v);
        StructType s = (StructType) udt.sqlType();
        rc.startGroup();
        fields(s, internal(ir));
        rc.endGroup();
      } else if (t instanceof IntegerType) {
        rc.addInteger(((Number) v).intValue());
      } else if (t instanceof ByteType) {
        rc.addInteger(((Number) v).byteValue());
      } else if (t instanceof LongType) {
        rc.addLong(((Number) v).longValue());
      } else if (t instanceof DoubleType) {
        rc.addDouble(((Number) v).doubleValue());
      } else if (t instanceof BooleanType) {
        rc.addBoolean((Boolean) v);
      } else if (t instanceof StringType) {
        rc.addBinary(Binary.fromString(v.toString()));
      } else if (t instanceof ArrayType a) {
        list(a.elementType(), v);
      } else if (t instanceof StructType s) {
        rc.startGroup();
        fields(s, v instanceof Fields f ? f : external((Row) v));
        rc.endGroup();
      } else {
        throw new IllegalArgumentException("type " + t.simpleString());
      }
    }

    /**
     * A list: a group holding, when not empty, the repeated group "list" of one "element" each;
     * arrays of doubles (the matrices' values) without boxing.
     */
    private void list(DataType element, Object v) {
      rc.startGroup();
      if (v instanceof double[] d) {
        if (d.length > 0) {
          rc.startField("list", 0);
          for (double x : d) {
            rc.startGroup();
            rc.startField("element", 0);
            rc.addDouble(x);
            rc.endField("element", 0);
            rc.endGroup();
          }
          rc.endField("list", 0);
        }
      } else {
        List<?> items = elements(v);
        if (!items.isEmpty()) {
          rc.startField("list", 0);
          for (Object x : items) {
            if (x == null) {
              throw new IllegalArgumentException("Parquet table: null in an array without nulls");
            }
            rc.startGroup();
            rc.startField("element", 0);
            value(element, x);
            rc.endField("element", 0);
            rc.endGroup();
          }
          rc.endField("list", 0);
        }
      }
      rc.endGroup();
    }

    private static List<?> elements(Object v) {
      if (v instanceof List<?> l) {
        return l;
      } else if (v instanceof scala.collection.Seq<?> s) {
        return scala.collection.JavaConverters.seqAsJavaList(s);
      } else if (v instanceof Object[] a) {
        return java.util.Arrays.asList(a);
      } else if (v != null && v.getClass().isArray()) {
        int n = java.lang.reflect.Array.getLength(v);
        List<Object> out = new java.util.ArrayList<>(n);
        for (int k = 0; k < n; k++) {
          out.add(java.lang.reflect.Array.get(v, k));
        }
        return out;
      }
      throw new IllegalArgumentException("Parquet table: an array column holds a " + (v == null ? "null"
          : v.getClass().getName()));
    }
  }

  private static final class Builder extends ParquetWriter.Builder<Row, Builder> {
    private final StructType schema;
    private final MessageType message;
    private final Map<String, String> footer;

    Builder(Path file, StructType schema, MessageType message, Map<String, String> footer) {
      super(file);
      this.schema = schema;
      this.message = message;
      this.footer = footer;
    }

    @Override
    protected Builder self() {
      return this;
    }

    @Override
    protected WriteSupport<Row> getWriteSupport(Configuration conf) {
      return new RowWriteSupport(schema, message, footer);
    }
  }
}
