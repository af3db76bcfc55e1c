package org.pudle.spark.cli;

import java.io.IOException;

import org.pudle.spark.data.InputException;

/**
 * Reads a file or folder named on the command line. A missing or malformed input (an
 * {@link IOException} whose message starts with the path: the readers name the file they reject)
 * is invalid input, exit status 2; any other {@link IOException}, the filesystem failing, stays a
 * failure (exit status 1).
 */
final class InputFiles {
  private InputFiles() {}

  /** Something that reads an input. */
  @FunctionalInterface
  interface Read<T> {
    T read() throws IOException;
  }

  /**
   * @param path   the path as given
   * @param option where it came from, for the message: {@code --input}, {@code MODEL}
   */
  static <T> T read(String path, String option, Read<T> reader) throws IOException {
    try {
      return reader.read();
    } catch (IOException e) {
      String msg = e.getMessage();
      if (msg != null && names(msg, path)) {
        throw new InputException(msg + " (" + option + ")", e);
      }
      throw e;
    }
  }

  /** Whether {@code msg} starts with {@code path}, as given or as a qualified Hadoop path. */
  private static boolean names(String msg, String path) {
    if (msg.startsWith(path)) {
      return true;
    }
    String bare = path.startsWith("file:") ? path.substring("file:".length()) : path;
    return msg.startsWith("file:" + bare) || msg.startsWith(bare);
  }
}
