package org.pudle.spark.train;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

import org.pudle.kernels.Adam;

/**
 * Everything a training run needs to continue bit for bit: the dictionary after {@code update}
 * updates, the Adam state, the samples seen and the time spent, the metrics rows so far, D0, and
 * the settings that determine the arithmetic. Mini-batches and the decay schedule are pure
 * functions of (seed, update), so the seed (in the settings) and the update count are the whole
 * random state.
 *
 * <p>One binary file, written atomically through {@code OutputDir}: the magic {@code PUDLECK2},
 * the fields below in {@link DataOutputStream} encoding, and a CRC-32 of all of it. A
 * {@code PUDLECK1} checkpoint (before inputs were fingerprinted) reads with a null {@code input}.
 *
 * @param settings  the settings that must not change on resume, {@code key = value} lines
 * @param input     the fingerprint of the input files ({@code data.InputFingerprint}), empty for
 *                  synthetic data, null when the checkpoint did not record one
 * @param update    updates done
 * @param seen      samples used by those updates
 * @param elapsed   seconds spent by those updates
 * @param d         D after {@code update} updates, m x p column-major
 * @param initial   D0
 * @param adam      the optimizer state
 * @param rows      the metrics.csv rows of the updates done
 */
public record Checkpoint(String settings, String input, int update, long seen, double elapsed, int m, int p, double[] d,
    double[] initial, Adam.State adam, List<String> rows) {

  /** The file name in the output directory. */
  public static final String FILE = "checkpoint";
  private static final byte[] MAGIC = "PUDLECK2".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] MAGIC_1 = "PUDLECK1".getBytes(StandardCharsets.US_ASCII);

  public void write(OutputStream raw) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(16 * (d.length * 4 + 1024));
    DataOutputStream out = new DataOutputStream(bytes);
    out.write(MAGIC);
    writeString(out, settings);
    writeString(out, input == null ? "" : input);
    out.writeInt(update);
    out.writeLong(seen);
    out.writeDouble(elapsed);
    out.writeInt(m);
    out.writeInt(p);
    writeArray(out, d);
    writeArray(out, initial);
    out.writeLong(adam.step());
    writeArray(out, adam.m());
    writeArray(out, adam.v());
    out.writeInt(rows.size());
    for (String r : rows) {
      writeString(out, r);
    }
    out.flush();
    CRC32 crc = new CRC32();
    crc.update(bytes.toByteArray());
    out.writeLong(crc.getValue());
    out.flush();
    bytes.writeTo(raw);
  }

  /**
   * Reads a checkpoint.
   *
   * @throws IOException naming {@code source} when the file is not a complete checkpoint
   */
  public static Checkpoint read(InputStream raw, String source) throws IOException {
    byte[] all = raw.readAllBytes();
    if (all.length < MAGIC.length + 8) {
      throw new IOException(source + ": not a pudle checkpoint (" + all.length + " bytes)");
    }
    CRC32 crc = new CRC32();
    crc.update(all, 0, all.length - 8);
    long stored = 0;
    for (int i = all.length - 8; i < all.length; i++) {
      stored = (stored << 8) | (all[i] & 0xff);
    }
    boolean version2 = java.util.Arrays.equals(all, 0, MAGIC.length, MAGIC, 0, MAGIC.length);
    if (!version2 && !java.util.Arrays.equals(all, 0, MAGIC_1.length, MAGIC_1, 0, MAGIC_1.length)) {
      throw new IOException(source + ": not a pudle checkpoint (bad magic)");
    }
    if (stored != crc.getValue()) {
      throw new IOException(source + ": the checkpoint is damaged (CRC mismatch)");
    }
    try {
      DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(all, MAGIC.length,
          all.length - 8 - MAGIC.length));
      String settings = readString(in);
      String input = version2 ? readString(in) : null;
      int update = in.readInt();
      long seen = in.readLong();
      double elapsed = in.readDouble();
      int m = in.readInt();
      int p = in.readInt();
      double[] d = readArray(in);
      double[] initial = readArray(in);
      long step = in.readLong();
      double[] am = readArray(in);
      double[] av = readArray(in);
      int nRows = in.readInt();
      List<String> rows = new ArrayList<>(nRows);
      for (int i = 0; i < nRows; i++) {
        rows.add(readString(in));
      }
      if (d.length != (long) m * p || initial.length != d.length || am.length != d.length || av.length != d.length) {
        throw new IOException(source + ": inconsistent checkpoint shapes");
      }
      return new Checkpoint(settings, input, update, seen, elapsed, m, p, d, initial, new Adam.State(step, am, av), rows);
    } catch (EOFException e) {
      throw new IOException(source + ": the checkpoint ends early", e);
    }
  }

  /**
   * The keys whose values differ between these settings and {@code other}'s, as
   * {@code key: checkpoint -> now} lines; empty when they agree.
   */
  public List<String> differences(String other) {
    return differences(settings, other);
  }

  /**
   * The keys whose values differ between the {@code key = value} lines {@code then} and
   * {@code now}, as {@code key: then -> now} lines; empty when they agree.
   */
  public static List<String> differences(String then, String now) {
    Map<String, String> a = parse(then);
    Map<String, String> b = parse(now);
    List<String> out = new ArrayList<>();
    for (String k : a.keySet()) {
      if (!a.get(k).equals(b.get(k))) {
        out.add(k + ": " + a.get(k) + " -> " + (b.containsKey(k) ? b.get(k) : "(unset)"));
      }
    }
    for (String k : b.keySet()) {
      if (!a.containsKey(k)) {
        out.add(k + ": (unset) -> " + b.get(k));
      }
    }
    return out;
  }

  private static Map<String, String> parse(String text) {
    Map<String, String> m = new LinkedHashMap<>();
    for (String line : text.split("\n")) {
      int eq = line.indexOf(" = ");
      if (eq > 0) {
        m.put(line.substring(0, eq), line.substring(eq + 3));
      }
    }
    return m;
  }

  private static void writeString(DataOutputStream out, String s) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(b.length);
    out.write(b);
  }

  private static String readString(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > 1 << 28) {
      throw new IOException("implausible string length " + n);
    }
    byte[] b = new byte[n];
    in.readFully(b);
    return new String(b, StandardCharsets.UTF_8);
  }

  private static void writeArray(DataOutputStream out, double[] a) throws IOException {
    out.writeInt(a.length);
    for (double v : a) {
      out.writeDouble(v);
    }
  }

  private static double[] readArray(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > Integer.MAX_VALUE - 8) {
      throw new IOException("implausible array length " + n);
    }
    double[] a = new double[n];
    for (int i = 0; i < n; i++) {
      a[i] = in.readDouble();
    }
    return a;
  }
}
