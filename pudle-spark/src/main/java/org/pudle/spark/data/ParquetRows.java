package org.pudle.spark.data;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

/**
 * One column of a Parquet file, one sample per row (rows count from 0): {@code array<double>},
 * {@code array<float>} (lists in the standard three-level layout or the legacy two-level one), or
 * a Spark ML {@code Vector} (the struct of {@code VectorUDT}: dense or sparse). Only that column
 * is read. Null rows and null elements are bad rows.
 */
final class ParquetRows extends RowReader {
  private final ParquetFileReader reader;
  private final MessageType projection;
  private final String source;
  private final Kind kind;
  private RecordReader<Group> records;
  private long rowsLeftInGroup;
  private long row;

  private enum Kind {
    LIST, REPEATED, VECTOR
  }

  ParquetRows(InputFile file, String column, Configuration conf) throws IOException {
    super(0);
    this.source = file.path();
    this.reader = ParquetFileReader.open(HadoopInputFile.fromPath(new Path(file.path()), conf));
    try {
      MessageType schema = reader.getFooter().getFileMetaData().getSchema();
      Type field = choose(schema, column, source);
      this.kind = kindOf(field);
      this.projection = new MessageType(schema.getName(), field);
      reader.setRequestedSchema(projection);
    } catch (IOException | RuntimeException e) {
      reader.close();
      throw e;
    }
  }

  /** The column to read: the named one, or the only vector-like one (preferring 'features'). */
  static Type choose(MessageType schema, String column, String source) throws IOException {
    if (column != null) {
      if (!schema.containsField(column)) {
        throw new IOException(source + ": no column '" + column + "' (input.column); the columns are "
            + names(schema.getFields()));
      }
      Type t = schema.getType(column);
      if (kindOf(t) == null) {
        throw new IOException(source + ": column '" + column + "' is " + t.toString().strip().replaceAll("\\s+", " ")
            + ", not an array of numbers or an ML Vector (input.column)");
      }
      return t;
    }
    List<Type> candidates = new ArrayList<>();
    for (Type t : schema.getFields()) {
      if (kindOf(t) != null) {
        candidates.add(t);
      }
    }
    if (candidates.size() == 1) {
      return candidates.get(0);
    }
    for (Type t : candidates) {
      if (t.getName().equals("features")) {
        return t;
      }
    }
    throw new IOException(source + ": " + (candidates.isEmpty() ? "no column is" : candidates.size() + " columns are")
        + " an array of numbers or an ML Vector (columns: " + names(schema.getFields())
        + ")" + (candidates.isEmpty() ? "" : "; choose one with input.column"));
  }

  private static String names(List<Type> fields) {
    List<String> n = new ArrayList<>();
    for (Type t : fields) {
      n.add(t.getName());
    }
    return String.join(", ", n);
  }

  private static boolean numeric(Type t) {
    if (!t.isPrimitive()) {
      return false;
    }
    switch (t.asPrimitiveType().getPrimitiveTypeName()) {
      case DOUBLE:
      case FLOAT:
      case INT32:
      case INT64:
        return true;
      default:
        return false;
    }
  }

  /** The numeric element type of a list type, or null when it is not a list of numbers. */
  private static Type listElement(Type t) {
    if (t.isPrimitive() || !(t.getLogicalTypeAnnotation() instanceof LogicalTypeAnnotation.ListLogicalTypeAnnotation)) {
      return null;
    }
    GroupType g = t.asGroupType();
    if (g.getFieldCount() != 1) {
      return null;
    }
    Type rep = g.getType(0);
    if (numeric(rep)) {
      return rep; // two-level list
    }
    if (!rep.isPrimitive() && rep.asGroupType().getFieldCount() == 1 && numeric(rep.asGroupType().getType(0))) {
      return rep.asGroupType().getType(0);
    }
    return null;
  }

  private static Kind kindOf(Type t) {
    if (t.isRepetition(Type.Repetition.REPEATED) && numeric(t)) {
      return Kind.REPEATED;
    }
    if (listElement(t) != null) {
      return Kind.LIST;
    }
    if (!t.isPrimitive()) {
      GroupType g = t.asGroupType();
      if (g.containsField("type") && g.containsField("values") && g.containsField("indices") && g.containsField("size")
          && listElement(g.getType("values")) != null) {
        return Kind.VECTOR;
      }
    }
    return null;
  }

  @Override
  protected RawRow read() throws IOException {
    while (rowsLeftInGroup == 0) {
      PageReadStore pages = reader.readNextRowGroup();
      if (pages == null) {
        return null;
      }
      rowsLeftInGroup = pages.getRowCount();
      records = new ColumnIOFactory().getColumnIO(projection).getRecordReader(pages,
          new GroupRecordConverter(projection));
    }
    Group g = records.read();
    rowsLeftInGroup--;
    long r = row++;
    try {
      return RawRow.good(r, values(g));
    } catch (BadValue e) {
      return RawRow.bad(r, ": " + e.getMessage());
    }
  }

  private static final class BadValue extends Exception {
    private static final long serialVersionUID = 1L;

    BadValue(String message) {
      super(message, null, false, false);
    }
  }

  private double[] values(Group g) throws BadValue {
    switch (kind) {
      case REPEATED: {
        int n = g.getFieldRepetitionCount(0);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
          v[i] = number(g, 0, i, g.getType().getType(0));
        }
        return v;
      }
      case LIST:
        if (g.getFieldRepetitionCount(0) == 0) {
          throw new BadValue("null instead of an array");
        }
        return list(g.getGroup(0, 0));
      case VECTOR: {
        if (g.getFieldRepetitionCount(0) == 0) {
          throw new BadValue("null instead of a vector");
        }
        Group v = g.getGroup(0, 0);
        int type = v.getInteger("type", 0);
        double[] values = list(v.getGroup("values", 0));
        if (type == 1) {
          return values;
        }
        int size = v.getInteger("size", 0);
        double[] idx = list(v.getGroup("indices", 0));
        if (idx.length != values.length) {
          throw new BadValue("sparse vector with " + idx.length + " indices and " + values.length + " values");
        }
        double[] dense = new double[size];
        for (int i = 0; i < idx.length; i++) {
          int j = (int) idx[i];
          if (j < 0 || j >= size) {
            throw new BadValue("sparse vector index " + j + " outside its size " + size);
          }
          dense[j] = values[i];
        }
        return dense;
      }
      default:
        throw new IllegalStateException();
    }
  }

  /** The numbers of a LIST group (two- or three-level). */
  private static double[] list(Group list) throws BadValue {
    Type rep = list.getType().getType(0);
    int n = list.getFieldRepetitionCount(0);
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      if (rep.isPrimitive()) {
        v[i] = number(list, 0, i, rep);
      } else {
        Group item = list.getGroup(0, i);
        if (item.getFieldRepetitionCount(0) == 0) {
          throw new BadValue("element " + i + " is null");
        }
        v[i] = number(item, 0, 0, item.getType().getType(0));
      }
    }
    return v;
  }

  private static double number(Group g, int field, int i, Type t) {
    PrimitiveType.PrimitiveTypeName name = t.asPrimitiveType().getPrimitiveTypeName();
    switch (name) {
      case DOUBLE:
        return g.getDouble(field, i);
      case FLOAT:
        return g.getFloat(field, i);
      case INT32:
        return g.getInteger(field, i);
      case INT64:
        return g.getLong(field, i);
      default:
        throw new IllegalStateException("type " + name);
    }
  }

  @Override
  public void close() throws IOException {
    reader.close();
  }
}
