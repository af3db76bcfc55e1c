package org.pudle.spark.config;

import java.util.regex.Pattern;

/**
 * Spark's rule for settings that hold a secret, applied to what pudle writes: a setting whose key
 * matches {@code spark.redaction.regex} (Spark's default {@code (?i)secret|password|token|access[.]?key},
 * or the user's {@code -Dspark.redaction.regex}) is written as Spark writes it in its UI and event
 * logs, {@code *********(redacted)}. Only the key decides: a path that happens to contain "token"
 * stays readable, so that {@code run.properties} still reproduces the run.
 */
public final class SecretRedaction {
  private SecretRedaction() {}

  /** {@code value}, or Spark's redaction text when {@code key} names a secret. */
  public static String value(String key, String value) {
    return pattern().matcher(key).find() ? org.apache.spark.util.Utils$.MODULE$.REDACTION_REPLACEMENT_TEXT() : value;
  }

  private static Pattern pattern() {
    String regex = System.getProperty("spark.redaction.regex",
        org.apache.spark.internal.config.package$.MODULE$.SECRET_REDACTION_PATTERN().defaultValueString());
    return Pattern.compile(regex);
  }
}
