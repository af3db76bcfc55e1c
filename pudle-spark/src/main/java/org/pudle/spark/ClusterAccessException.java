package org.pudle.spark;

/**
 * The cluster did not let this run in: its master refused the connection (authentication) or did
 * not answer. The message is one line that says why and what to do; the command line prints it
 * without a stack trace and exits with status 1.
 */
public class ClusterAccessException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ClusterAccessException(String message, Throwable cause) {
    super(message, cause);
  }
}
