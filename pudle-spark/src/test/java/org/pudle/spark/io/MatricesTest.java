package org.pudle.spark.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class MatricesTest {
  /** Every text reads back as the same bits, is never longer than JDK 17's, and keeps Java's format. */
  @Test
  void formatExactReadsBackAsTheSameDouble() {
    SplittableRandom r = new SplittableRandom(7);
    double[] fixed = {0.0, -0.0, 1.0, -1.0, 0.1, 0.2, 100.0, 1e7, 1.0e-3, 9.999999e-4, 1e23, 2e23, 8.41e21,
        Double.MIN_VALUE, -Double.MIN_VALUE, Double.MIN_NORMAL, Double.MAX_VALUE, Math.PI, 5e-324, 4.9e-324,
        2.2250738585072014E-308, 1.7976931348623157E308, 123456789012345680.0, 0.30000000000000004};
    int longer = 0;
    for (int i = 0; i < fixed.length + 200_000; i++) {
      double v = i < fixed.length ? fixed[i]
          : i % 3 == 0 ? Double.longBitsToDouble(r.nextLong()) : i % 3 == 1 ? r.nextDouble(-10, 10)
              : r.nextGaussian() * Math.pow(10, r.nextInt(-30, 30));
      if (!Double.isFinite(v)) {
        continue;
      }
      String s = Matrices.formatExact(v);
      assertEquals(Double.doubleToRawLongBits(v), Double.doubleToRawLongBits(Double.parseDouble(s)), s);
      String jdk = Double.toString(v).toLowerCase(Locale.ROOT);
      assertTrue(s.length() <= jdk.length(), s + " against " + jdk);
      if (!s.equals(jdk)) {
        longer++;
        // the same format: plain below 1e7 and from 1e-3, else d.ddd e exponent
        assertEquals(jdk.contains("e"), s.contains("e"), s + " against " + jdk);
      }
    }
    // JDK 17 gives another (longer or less close) decimal for about 1 % of these doubles
    assertTrue(longer < 10_000, longer + " texts differ from JDK 17's");
    assertEquals("1.0e-5", Matrices.formatExact(1e-5));
    assertEquals("-0.0", Matrices.formatExact(-0.0));
    assertEquals("1.0e7", Matrices.formatExact(1e7));
    assertEquals("1234567.0", Matrices.formatExact(1234567.0));
    assertEquals("nan", Matrices.formatExact(Double.NaN));
    assertEquals("inf", Matrices.formatExact(Double.POSITIVE_INFINITY));
    assertEquals("-inf", Matrices.formatExact(Double.NEGATIVE_INFINITY));
  }

  @Test
  void csvHasOneLinePerRowAndReadsBack() throws Exception {
    double[] cm = {1.5, -0.0, 1e-300, Double.MAX_VALUE, -Double.MIN_VALUE, 0.1}; // 2 x 3, column-major
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Matrices.writeCsv(out, cm, 2, 3);
    String text = out.toString(StandardCharsets.US_ASCII);
    assertEquals("1.5,1.0e-300,-4.9e-324\n-0.0,1.7976931348623157e308,0.1\n", text);
    String[] lines = text.split("\n");
    for (int i = 0; i < 2; i++) {
      String[] f = lines[i].split(",");
      for (int j = 0; j < 3; j++) {
        assertEquals(Double.doubleToRawLongBits(cm[i + 2 * j]), Double.doubleToRawLongBits(Double.parseDouble(f[j])));
      }
    }
  }
}
