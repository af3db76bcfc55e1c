package org.pudle.spark.study;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.pudle.kernels.study.DepthStudySums;
import org.pudle.spark.train.Checkpoint;

/**
 * The finished groups of a study ({@code checkpoint} in its output): the exact sums of every
 * group of samples done so far, for each n, and the settings they belong to. A study writes it
 * after each group, and {@code pudle study --resume} continues from it, computing only the groups
 * that are not in it. The groups are ranges of sample indices ({@code StudyAggregator#groupOf}),
 * so their sums do not depend on the partitioning, and a resumed study gives the numbers of one
 * that ran through, to rounding.
 */
public final class StudyCheckpoint {
  /** The file name in the output. */
  public static final String FILE = "checkpoint";
  private static final String MAGIC = "pudle study checkpoint";
  private static final int VERSION = 1;

  /**
   * The keys that do not change the sums of a group (or name a file whose contents the settings
   * hash instead): they may differ on {@code --resume}. The layers' placement and the backend
   * change the sums only by rounding.
   */
  static final Set<String> MAY_CHANGE = Set.of("n", "sweep.n", "partitions", "block.size", "aggregate.depth",
      "kernel.scratch.mb", "kernels", "cuda.gemm", "kernel.layers", "output", "progress.seconds", "dstar.cache",
      "dstar", "dictionary");

  private final String settings;
  /** (n, group) -> sums, in the order the groups finished. */
  private final Map<List<Long>, DepthStudySums> groups = new LinkedHashMap<>();

  public StudyCheckpoint(String settings) {
    this.settings = settings;
  }

  /**
   * The settings the sums depend on, as {@code key = value} lines: every config key in effect but
   * {@link #MAY_CHANGE}, and SHA-256 hashes of the dictionary studied and of D*.
   */
  public static String settings(Map<String, String> config, double[] dictionary, double[] dStar) {
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<String, String> e : new TreeMap<>(config).entrySet()) {
      if (!MAY_CHANGE.contains(e.getKey())) {
        sb.append(e.getKey()).append(" = ").append(e.getValue()).append('\n');
      }
    }
    sb.append("dictionary.sha256 = ").append(sha256(dictionary)).append('\n');
    sb.append("dstar.sha256 = ").append(sha256(dStar)).append('\n');
    return sb.toString();
  }

  private static String sha256(double[] values) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      ByteBuffer b = ByteBuffer.allocate(8 * values.length);
      b.asDoubleBuffer().put(values);
      return HexFormat.of().formatHex(md.digest(b.array()));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public String settings() {
    return settings;
  }

  /** The sums of group g of the study at n, or null when it is not done. */
  public DepthStudySums group(long n, int g) {
    return groups.get(List.of(n, (long) g));
  }

  /** Records the sums of group g of the study at n. */
  public void put(long n, int g, DepthStudySums sums) {
    groups.put(List.of(n, (long) g), sums);
  }

  /** How many groups it holds. */
  public int size() {
    return groups.size();
  }

  /** Writes it. */
  public void write(OutputStream raw) throws IOException {
    DataOutputStream out = new DataOutputStream(raw);
    writeString(out, MAGIC);
    out.writeInt(VERSION);
    writeString(out, settings);
    out.writeInt(groups.size());
    for (Map.Entry<List<Long>, DepthStudySums> e : groups.entrySet()) {
      out.writeLong(e.getKey().get(0));
      out.writeInt(e.getKey().get(1).intValue());
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (ObjectOutputStream o = new ObjectOutputStream(bytes)) {
        o.writeObject(e.getValue());
      }
      out.writeInt(bytes.size());
      bytes.writeTo(out);
    }
    out.flush();
  }

  /**
   * Reads one.
   *
   * @param source the file, for errors
   * @throws IOException when it is not a study checkpoint of this version, or is cut short
   */
  public static StudyCheckpoint read(InputStream raw, String source) throws IOException {
    DataInputStream in = new DataInputStream(raw);
    try {
      if (!MAGIC.equals(readString(in, source))) {
        throw new IOException(source + ": not a pudle study checkpoint");
      }
      int version = in.readInt();
      if (version != VERSION) {
        throw new IOException(source + ": study checkpoint version " + version + ", this pudle reads " + VERSION);
      }
      StudyCheckpoint ck = new StudyCheckpoint(readString(in, source));
      int count = in.readInt();
      for (int i = 0; i < count; i++) {
        long n = in.readLong();
        int g = in.readInt();
        int len = in.readInt();
        if (len < 0 || len > 1 << 30) {
          throw new IOException(source + ": implausible group size " + len);
        }
        byte[] b = in.readNBytes(len);
        if (b.length != len) {
          throw new EOFException();
        }
        try (ObjectInputStream o = new ObjectInputStream(new ByteArrayInputStream(b))) {
          ck.put(n, g, (DepthStudySums) o.readObject());
        } catch (ClassNotFoundException | ClassCastException | java.io.InvalidClassException e) {
          throw new IOException(source + ": the sums of group " + g + " (n = " + n + ") do not read back here ("
              + e.getMessage() + "); was it written by another pudle version?", e);
        }
      }
      return ck;
    } catch (EOFException e) {
      throw new IOException(source + ": the study checkpoint ends early", e);
    }
  }

  /** The settings that differ from {@code now}'s, as {@code key: checkpoint -> now}; empty when they agree. */
  public List<String> differences(String now) {
    return Checkpoint.differences(settings, now);
  }

  private static void writeString(DataOutputStream out, String s) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(b.length);
    out.write(b);
  }

  private static String readString(DataInputStream in, String source) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > 1 << 24) {
      throw new IOException(source + ": not a pudle study checkpoint");
    }
    byte[] b = in.readNBytes(n);
    if (b.length != n) {
      throw new EOFException();
    }
    return new String(b, StandardCharsets.UTF_8);
  }
}
