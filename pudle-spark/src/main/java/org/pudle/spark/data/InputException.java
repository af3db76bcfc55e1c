package org.pudle.spark.data;

import org.pudle.spark.UserInputException;

/**
 * Invalid input data: a missing path, an unreadable or empty file, a bad row. The message names
 * the file and, where known, the row and column; the command line exits with status 2.
 */
public class InputException extends UserInputException {
  private static final long serialVersionUID = 1L;

  public InputException(String message) {
    super(message);
  }

  public InputException(String message, Throwable cause) {
    super(message, cause);
  }
}
