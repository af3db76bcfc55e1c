package org.pudle.spark;

/**
 * Invalid user input: a config key or value ({@code config.ConfigException}), a command-line
 * option, an input file ({@code data.InputException}). The message names the source (the key and
 * where its value came from, the option, the file and row); the command line prints it and exits
 * with status 2, and the job has written nothing. Any other exception is a failure (exit status 1).
 */
public class UserInputException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public UserInputException(String message) {
    super(message);
  }

  public UserInputException(String message, Throwable cause) {
    super(message, cause);
  }
}
