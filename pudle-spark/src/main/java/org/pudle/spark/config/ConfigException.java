package org.pudle.spark.config;

import org.pudle.spark.UserInputException;

/**
 * An invalid config key or value, or an unreadable config file: the message names the key and where
 * its value came from, and the command line exits with status 2 before it writes anything.
 */
public class ConfigException extends UserInputException {
  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message);
  }

  public ConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
