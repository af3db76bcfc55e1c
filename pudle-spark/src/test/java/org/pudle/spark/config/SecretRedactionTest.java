package org.pudle.spark.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** run.properties never holds a secret: keys Spark would redact are redacted, other values kept. */
class SecretRedactionTest {
  @Test
  void redactsTheValuesOfSecretKeysOnly() {
    Map<String, String> effective = new LinkedHashMap<>();
    effective.put("fs.s3a.secret.key", "wJalrXUtnFEMI");
    effective.put("s3.access.key", "AKIAEXAMPLE");
    effective.put("store.Password", "hunter2");
    effective.put("auth.token", "t0k3n");
    effective.put("input", "/data/tokens/password-free.npy");
    effective.put("lambda", "0.2");
    String text = Config.settingsText("# header\n", effective, Map.of("fs.s3a.secret.key", "x", "input", "y"));
    for (String secret : new String[] {"wJalrXUtnFEMI", "AKIAEXAMPLE", "hunter2", "t0k3n"}) {
      assertFalse(text.contains(secret), secret + " in\n" + text);
    }
    assertTrue(text.contains("fs.s3a.secret.key = *********(redacted)\n"), text);
    assertTrue(text.contains("s3.access.key = *********(redacted)\n"), text);
    // only the key decides: a path that mentions a token stays, so the file still reproduces the run
    assertTrue(text.contains("input = /data/tokens/password-free.npy\n"), text);
    assertTrue(text.contains("lambda = 0.2\n"), text);
  }

  @Test
  void usesSparksDefaultPattern() {
    assertEquals("(?i)secret|password|token|access[.]?key",
        org.apache.spark.internal.config.package$.MODULE$.SECRET_REDACTION_PATTERN().defaultValueString());
    assertEquals("1e-3", SecretRedaction.value("adam.lr", "1e-3"));
    assertEquals("*********(redacted)", SecretRedaction.value("spark.authenticate.secret", "s"));
  }
}
