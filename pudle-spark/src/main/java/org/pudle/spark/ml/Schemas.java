package org.pudle.spark.ml;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.apache.spark.ml.attribute.AttributeGroup;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The schema side of the estimator and the model: the input column's type and vector size (from
 * its ML attribute metadata, as {@code VectorAssembler} and {@code VectorSizeHint} write it), and
 * the output columns with theirs.
 */
final class Schemas {
  private Schemas() {}

  /**
   * The size of the input column's vectors from its attribute metadata, or -1 when unknown (an
   * array column, or a vector column without metadata).
   */
  static int inputSize(StructType schema, String col) {
    StructField f = schema.apply(col);
    if (!f.dataType().equals(SQLDataTypes.VectorType())) {
      return -1;
    }
    return AttributeGroup.fromStructField(f).size();
  }

  /**
   * Checks the input and returns the schema with the output columns added.
   *
   * @param m the signal dimension the input must have, or -1 when not known yet
   * @param p the number of atoms
   * @throws IllegalArgumentException naming the column and what is wrong
   */
  static StructType output(PudleParams ps, StructType schema, int m, int p) {
    String who = ps.pudleParams().who();
    String in = ps.getInputCol();
    List<String> names = Arrays.asList(schema.fieldNames());
    if (!names.contains(in)) {
      throw new IllegalArgumentException(who + ": input column '" + in + "' is not in the dataset (columns: "
          + String.join(", ", names) + "); set it with setInputCol");
    }
    DataType t = schema.apply(in).dataType();
    boolean ok = t.equals(SQLDataTypes.VectorType()) || (t instanceof ArrayType
        && (((ArrayType) t).elementType().equals(DataTypes.DoubleType)
        || ((ArrayType) t).elementType().equals(DataTypes.FloatType)));
    if (!ok) {
      throw new IllegalArgumentException(who + ": input column '" + in + "' must be a vector or an array of double or "
          + "float, got " + t.simpleString());
    }
    int size = inputSize(schema, in);
    if (size >= 0 && m >= 0 && size != m) {
      throw new IllegalArgumentException(who + ": input column '" + in + "' holds vectors of size " + size
          + " (its ML attribute metadata), expected m = " + m + (ps instanceof PudleModel
          ? " (the rows of the model's dictionary)" : " (the rows of initialDictionary)"));
    }
    if (size == 0) {
      throw new IllegalArgumentException(who + ": input column '" + in + "' holds vectors of size 0 (its ML attribute "
          + "metadata); the samples need at least one value");
    }
    String id = ps.getIdCol();
    if (!id.isEmpty() && !names.contains(id)) {
      throw new IllegalArgumentException(who + ": idCol '" + id + "' is not in the dataset (columns: "
          + String.join(", ", names) + ")");
    }
    int dim = m >= 0 ? m : size;
    List<String> added = new ArrayList<>();
    StructType out = schema;
    out = add(out, added, who, "outputCol", ps.getOutputCol(), SQLDataTypes.VectorType(),
        new AttributeGroup(ps.getOutputCol(), p).toMetadata());
    if (!ps.getReconstructionCol().isEmpty()) {
      String r = ps.getReconstructionCol();
      out = add(out, added, who, "reconstructionCol", r, SQLDataTypes.VectorType(),
          (dim >= 0 ? new AttributeGroup(r, dim) : new AttributeGroup(r)).toMetadata());
    }
    if (!ps.getReconstructionErrorCol().isEmpty()) {
      out = add(out, added, who, "reconstructionErrorCol", ps.getReconstructionErrorCol(), DataTypes.DoubleType,
          Metadata.empty());
    }
    return out;
  }

  private static StructType add(StructType schema, List<String> added, String who, String param, String col,
      DataType type, Metadata metadata) {
    if (Arrays.asList(schema.fieldNames()).contains(col)) {
      throw new IllegalArgumentException(who + ": " + param + " '" + col + "' already exists" + (added.contains(col)
          ? " as another output column" : " in the dataset") + "; set another with set"
          + Character.toUpperCase(param.charAt(0)) + param.substring(1));
    }
    added.add(col);
    // nullable: handleInvalid = keep gives invalid rows null codes
    return schema.add(new StructField(col, type, true, metadata));
  }
}
