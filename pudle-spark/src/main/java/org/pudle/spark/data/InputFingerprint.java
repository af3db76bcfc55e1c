package org.pudle.spark.data;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * What a checkpoint records of its input, to tell on {@code --resume} whether the data changed:
 * every file's path, length and modification time, and for a small input (at most
 * {@link FileSource#HASHED_BYTES} bytes in all) a SHA-256 of the files' contents. With the
 * contents hashed on both sides, a file that was only touched (a new modification time, the same
 * bytes) has not changed; without, a new modification time is a change.
 *
 * <p>The text is {@code key = value} lines: {@code file.N = length modified path} and
 * {@code sha256 = hex}.
 */
public final class InputFingerprint {
  private InputFingerprint() {}

  /** The fingerprint of the files of {@code input}. */
  static String of(List<InputFile> files, String input, Configuration conf) throws IOException {
    StringBuilder sb = new StringBuilder();
    sb.append("input = ").append(input).append('\n');
    long total = 0;
    for (InputFile f : files) {
      sb.append("file.").append(f.index()).append(" = ").append(f.length()).append(' ').append(f.modified()).append(' ')
          .append(f.path()).append('\n');
      total += f.length();
    }
    if (total <= FileSource.HASHED_BYTES) {
      sb.append("sha256 = ").append(contentHash(files, conf)).append('\n');
    }
    return sb.toString();
  }

  private static String contentHash(List<InputFile> files, Configuration conf) throws IOException {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    byte[] buf = new byte[1 << 16];
    for (InputFile f : files) {
      Path p = new Path(f.path());
      FileSystem fs = FileSystems.of(p, conf, null);
      long length = 0;
      try (InputStream in = fs.open(p)) {
        int r;
        while ((r = in.read(buf)) > 0) {
          sha.update(buf, 0, r);
          length += r;
        }
      }
      // the length ends each file, so that moving bytes between files changes the hash
      for (int i = 7; i >= 0; i--) {
        sha.update((byte) (length >>> (8 * i)));
      }
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  /**
   * What changed from {@code before} to {@code now}, one line per difference; empty when the
   * input is the same.
   */
  public static List<String> differences(String before, String now) {
    Map<String, String[]> a = files(before);
    Map<String, String[]> b = files(now);
    List<String> out = new ArrayList<>();
    String hashA = value(before, "sha256");
    String hashB = value(now, "sha256");
    boolean hashed = hashA != null && hashB != null;
    for (Map.Entry<String, String[]> e : a.entrySet()) {
      String[] was = e.getValue();
      String[] is = b.get(e.getKey());
      if (is == null) {
        out.add(e.getKey() + ": gone");
      } else if (!was[0].equals(is[0])) {
        out.add(e.getKey() + ": " + was[0] + " bytes, now " + is[0]);
      } else if (!hashed && !was[1].equals(is[1])) {
        out.add(e.getKey() + ": modified at " + time(is[1]) + " (was " + time(was[1]) + ")");
      }
    }
    for (String path : b.keySet()) {
      if (!a.containsKey(path)) {
        out.add(path + ": new");
      }
    }
    if (out.isEmpty() && hashed && !hashA.equals(hashB)) {
      out.add("the contents differ (same files and lengths, another SHA-256)");
    }
    return out;
  }

  private static String time(String millis) {
    try {
      return Instant.ofEpochMilli(Long.parseLong(millis)).toString();
    } catch (NumberFormatException e) {
      return millis;
    }
  }

  /** path -> {length, modified} */
  private static Map<String, String[]> files(String text) {
    Map<String, String[]> m = new LinkedHashMap<>();
    for (String line : text.split("\n")) {
      if (line.startsWith("file.")) {
        String[] f = line.substring(line.indexOf(" = ") + 3).split(" ", 3);
        if (f.length == 3) {
          m.put(f[2], new String[] {f[0], f[1]});
        }
      }
    }
    return m;
  }

  private static String value(String text, String key) {
    for (String line : text.split("\n")) {
      if (line.startsWith(key + " = ")) {
        return line.substring(key.length() + 3);
      }
    }
    return null;
  }
}
