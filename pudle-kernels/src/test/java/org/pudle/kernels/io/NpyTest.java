package org.pudle.kernels.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class NpyTest {

  /** A 2 x 3 matrix [[1, 2, 3], [4, 5, 6]] column-major. */
  private static final double[] COLUMN_MAJOR = {1, 4, 2, 5, 3, 6};
  private static final double[] ROW_MAJOR = {1, 2, 3, 4, 5, 6};

  private static byte[] file(String dict, byte[] data) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
    byte[] h = (dict + "\n").getBytes(StandardCharsets.ISO_8859_1);
    out.write(h.length & 0xff);
    out.write(h.length >>> 8);
    out.write(h);
    out.write(data);
    return out.toByteArray();
  }

  private static byte[] values(double[] v, int width, ByteOrder order) {
    ByteBuffer b = ByteBuffer.allocate(v.length * width).order(order);
    for (double x : v) {
      if (width == 8) {
        b.putDouble(x);
      } else {
        b.putFloat((float) x);
      }
    }
    return b.array();
  }

  @Test
  void roundTripsBothOrders() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Npy.writeColumnMajor(out, COLUMN_MAJOR, 2, 3);
    byte[] bytes = out.toByteArray();
    assertEquals(0, (bytes.length - 48) % 64, "data starts on a 64-byte boundary");
    Npy.Matrix read = Npy.read(new ByteArrayInputStream(bytes), "mem");
    assertEquals(2, read.rows());
    assertEquals(3, read.cols());
    assertArrayEquals(COLUMN_MAJOR, read.columnMajor(), 0.0);
    assertArrayEquals(ROW_MAJOR, read.rowMajor(), 0.0);

    out.reset();
    Npy.writeRowMajor(out, ROW_MAJOR, 2, 3);
    read = Npy.read(new ByteArrayInputStream(out.toByteArray()), "mem");
    assertArrayEquals(COLUMN_MAJOR, read.columnMajor(), 0.0);
    assertArrayEquals(ROW_MAJOR, read.rowMajor(), 0.0);
  }

  @Test
  void readsFloat32BigEndianAndOneDimensional() throws IOException {
    byte[] f4 = file("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", values(ROW_MAJOR, 4,
        ByteOrder.LITTLE_ENDIAN));
    assertArrayEquals(COLUMN_MAJOR, Npy.read(new ByteArrayInputStream(f4), "f4").columnMajor(), 0.0);
    byte[] be = file("{'descr': '>f8', 'fortran_order': True, 'shape': (2, 3), }", values(COLUMN_MAJOR, 8,
        ByteOrder.BIG_ENDIAN));
    assertArrayEquals(ROW_MAJOR, Npy.read(new ByteArrayInputStream(be), "be").rowMajor(), 0.0);
    byte[] vec = file("{'descr': '<f8', 'fortran_order': False, 'shape': (6,), }", values(ROW_MAJOR, 8,
        ByteOrder.LITTLE_ENDIAN));
    Npy.Matrix v = Npy.read(new ByteArrayInputStream(vec), "vec");
    assertEquals(6, v.rows());
    assertEquals(1, v.cols());
  }

  @Test
  void badFilesNameTheSourceAndTheProblem() {
    IOException e = assertThrows(IOException.class,
        () -> Npy.read(new ByteArrayInputStream("hello, world".getBytes(StandardCharsets.US_ASCII)), "x.npy"));
    assertTrue(e.getMessage().contains("x.npy") && e.getMessage().contains("magic"), e.getMessage());
    e = assertThrows(IOException.class, () -> Npy.read(new ByteArrayInputStream(
        file("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", new byte[16])), "ints.npy"));
    assertTrue(e.getMessage().contains("ints.npy") && e.getMessage().contains("'<i8'"), e.getMessage());
    e = assertThrows(IOException.class, () -> Npy.read(new ByteArrayInputStream(
        file("{'descr': '<f8', 'fortran_order': False, 'shape': (4,), }", new byte[16])), "short.npy"));
    assertTrue(e.getMessage().contains("short.npy") && e.getMessage().contains("ends early"), e.getMessage());
    e = assertThrows(IOException.class, () -> Npy.read(new ByteArrayInputStream(
        file("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2, 2), }", new byte[32])), "cube.npy"));
    assertTrue(e.getMessage().contains("1-D or 2-D"), e.getMessage());
  }

  /** A version-1 or -3 file of {@code dict} followed by the 2 x 3 row-major values. */
  private static byte[] file(int version, String dict) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) version, 0});
    byte[] h = (dict + "\n").getBytes(version == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
    out.write(h.length & 0xff);
    out.write(h.length >>> 8);
    if (version != 1) {
      out.write(0);
      out.write(0);
    }
    out.write(h);
    out.write(values(ROW_MAJOR, 8, ByteOrder.LITTLE_ENDIAN));
    return out.toByteArray();
  }

  /**
   * Headers numpy 2.4 ({@code numpy.load}) reads: Python's spelling of the dict literal. Each was
   * checked by writing the file and loading it with numpy.
   */
  @ParameterizedTest
  @ValueSource(strings = {
      "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3)}",
      "{\"descr\": \"<f8\", \"fortran_order\": False, \"shape\": (2, 3)}",
      "{'shape': (2, 3), 'fortran_order': False, 'descr': '<f8'}",
      "  { 'descr' : '<f8' ,'fortran_order':False,'shape':( 2 ,3 ,) }  ",
      "{'descr': '<f4', 'descr': '<f8', 'fortran_order': False, 'shape': (2, 3)}",
      "{'descr': '<f8', 'fortran_order': False, 'shape': (+2, 3), }",
      "{u'descr': u'<f8', 'fortran_order': False, 'shape': (2, 3), }",
      "{'descr': '<f8', 'fortran_order': False, 'shape': (0x2, 3), }",
      "{'descr': '<f8', 'fortran_order': False, 'shape': ((2), 3), }",
      "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3)} # a comment",
      "{'descr': '<f' '8', 'fortran_order': False, 'shape': (2, 3), }",
      "{'descr': '<f8',\n 'fortran_order': False,\n 'shape': (2, 3)}",
      "{'descr':\t'<f8', 'fortran_order': False, 'shape': (2, 3)}",
      "{'descr': '\\x3cf8', 'fortran_order': False, 'shape': (2, 3), }",
      "{'descr': r'<f8', 'fortran_order': False, 'shape': (2, 3), }",
      "{'descr': \'\'\'<f8\'\'\', 'fortran_order': False, 'shape': (2, 3), }",
      "{'descr': '<f8', 'fortran_order': False, 'shape': ((2, 3)), }"})
  void readsWhatNumpyReads(String dict) throws IOException {
    for (int version : new int[] {1, 3}) {
      Npy.Matrix m = Npy.read(new ByteArrayInputStream(file(version, dict)), "ok.npy");
      assertArrayEquals(COLUMN_MAJOR, m.columnMajor(), 0.0, dict);
    }
  }

  /** numpy reads {@code 3L} (Python 2) in format versions 1 and 2 only. */
  @Test
  void pythonTwoLongsInVersionOneOnly() throws IOException {
    String dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (2L, 3L), }";
    assertArrayEquals(COLUMN_MAJOR, Npy.read(new ByteArrayInputStream(file(1, dict)), "v1.npy").columnMajor(), 0.0);
    IOException e = assertThrows(IOException.class, () -> Npy.read(new ByteArrayInputStream(file(3, dict)), "v3.npy"));
    assertTrue(e.getMessage().startsWith("v3.npy: malformed .npy header"), e.getMessage());
  }

  /**
   * Headers numpy 2.4 refuses (each checked with {@code numpy.load}): a missing or an extra key, a
   * dict that is not closed, text after it, shapes that are not tuples of non-negative ints, a
   * fortran_order that is not a bool, a bytes descr.
   */
  @ParameterizedTest
  @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
      "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), 'x': 1} | the keys",
      "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3),  | not closed",
      "{'descr': '<f8', 'shape': (2, 3), } | the keys",
      "{'descr': '<f8', 'fortran_order': False, 'shape': [2, 3], } | shape is not a tuple of ints: [2, 3]",
      "{'descr': '<f8', 'fortran_order': False, 'shape': (2.0, 3), } | shape is not a tuple of ints: (2.0, 3)",
      "{'descr': '<f8', 'fortran_order': False, 'shape': (True, 6), } | shape is not a tuple of ints",
      "{'descr': '<f8', 'fortran_order': False, 'shape': (-2, -3), } | negative dimension",
      "{'descr': '<f8', 'fortran_order': 'False', 'shape': (2, 3), } | fortran_order is not a bool: 'False'",
      "{'descr': '<f8', 'fortran_order': 0, 'shape': (2, 3), } | fortran_order is not a bool: 0",
      "{'descr': '<f8', 'fortran_order': None, 'shape': (2, 3), } | fortran_order is not a bool: None",
      "{'descr': '<f8', 'fortran_order': false, 'shape': (2, 3), } | 'false' is not a literal",
      "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), } x | unexpected text after the literal",
      "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3)}{} | unexpected text after the literal",
      "{'descr': '<f8' 'fortran_order': False, 'shape': (2, 3)} | expected ',' or '}'",
      "{'descr': '<f8',, 'fortran_order': False, 'shape': (2, 3)} | cannot start a value",
      "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), 1: 2} | the keys",
      "{'descr': '<f8', 'fortran_order': False, 'shape': 6} | shape is not a tuple of ints: 6",
      "{'descr': '<f8', 'fortran_order': False, 'shape': (,)} | cannot start a value",
      "{'descr': '<f8'; 'fortran_order': False, 'shape': (2, 3)} | expected ',' or '}'",
      "{'descr: '<f8', 'fortran_order': False, 'shape': (2, 3)} | expected ':'",
      "{'descr': '<f8', 'fortran_order': False, 'shape': (02, 3)} | leading zero",
      "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 0_3)} | leading zero",
      "{'descr', 'fortran_order', 'shape'} | expected ':'",
      "{'descr': b'<f8', 'fortran_order': False, 'shape': (2, 3), } | unsupported .npy dtype b'<f8'"})
  void refusesWhatNumpyRefuses(String dict, String why) throws IOException {
    for (int version : new int[] {1, 3}) {
      IOException e = assertThrows(IOException.class,
          () -> Npy.read(new ByteArrayInputStream(file(version, dict)), "bad.npy"), dict);
      assertTrue(e.getMessage().startsWith("bad.npy: ") && e.getMessage().contains(why), e.getMessage());
    }
  }

  @Test
  void refusesOtherFormatVersionsAndOverlongHeaders() throws IOException {
    byte[] b = file(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3)}");
    b[7] = 1;
    IOException e = assertThrows(IOException.class, () -> Npy.read(new ByteArrayInputStream(b), "v11.npy"));
    assertTrue(e.getMessage().contains("version 1.1"), e.getMessage());
    String longDict = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3)}" + " ".repeat(Npy.MAX_HEADER_SIZE);
    e = assertThrows(IOException.class, () -> Npy.read(new ByteArrayInputStream(file(3, longDict)), "long.npy"));
    assertTrue(e.getMessage().contains("longer than numpy's limit of 10000"), e.getMessage());
  }

  /** Every cut of the header gives a message that names the file and says what is missing, not an EOFException. */
  @Test
  void headerCutShortNamesTheFile() throws IOException {
    byte[] whole = file(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3)}");
    int header = whole.length - 48;
    for (int cut = 0; cut < header; cut++) {
      byte[] part = Arrays.copyOf(whole, cut);
      IOException e = assertThrows(IOException.class, () -> Npy.read(new ByteArrayInputStream(part), "cut.npy"));
      String expected = cut < 6 ? "cut.npy: not a .npy file (" + cut + " bytes"
          : "cut.npy: .npy header cut short: the file ends after " + cut + " bytes";
      assertTrue(e.getMessage().startsWith(expected), cut + ": " + e.getMessage());
    }
  }

  /**
   * A 1.6 KB file whose header promises (1e8, 20) doubles: refused from the file's length before
   * anything is allocated; from a stream of unknown length, after reading what there is (the
   * first piece is small), never by allocating 16 GB.
   */
  @Test
  void sizesAreCheckedAgainstTheBytesThatExistAndTheCap() throws IOException {
    byte[] lying = file(1, "{'descr': '<f8', 'fortran_order': True, 'shape': (100000000, 20), }");
    lying = Arrays.copyOf(lying, 1600);
    byte[] bytes = lying;
    IOException e = assertThrows(IOException.class,
        () -> Npy.read(new ByteArrayInputStream(bytes), "lie.npy", bytes.length, Long.MAX_VALUE));
    assertTrue(e.getMessage().startsWith("lie.npy: .npy data cut short: the header promises shape (100000000, 20) "
        + "of <f8, 16000000000 bytes of data, but the file holds 1522 bytes after its 78-byte header"),
        e.getMessage());
    e = assertThrows(IOException.class,
        () -> Npy.read(new ByteArrayInputStream(bytes), "lie.npy", -1, 1L << 40));
    assertTrue(e.getMessage().startsWith("lie.npy: .npy data ends early"), e.getMessage());

    // a file that holds its data but is larger than the cap
    byte[] ok = file(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3)}");
    e = assertThrows(IOException.class, () -> Npy.read(new ByteArrayInputStream(ok), "big.npy", ok.length, 40));
    assertTrue(e.getMessage().startsWith("big.npy: the array of shape (2, 3) takes 48 bytes as doubles, more than "
        + "the 40 bytes that one array may take") && e.getMessage().contains("PUDLE_DRIVER_MEMORY"), e.getMessage());
    assertArrayEquals(COLUMN_MAJOR, Npy.read(new ByteArrayInputStream(ok), "ok.npy", ok.length, 48).columnMajor(),
        0.0);
    // more values than a Java array holds
    byte[] huge = file(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3000000000,), }");
    e = assertThrows(IOException.class,
        () -> Npy.read(new ByteArrayInputStream(huge), "huge.npy", 12_000_000_128L, Long.MAX_VALUE));
    assertTrue(e.getMessage().contains("more than one Java array holds"), e.getMessage());
  }

  /** Read in growing pieces when the length is unknown, the result is the same. */
  @Test
  void readsInPiecesWithoutALength() throws IOException {
    int n = 3_000_001;
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = i * 0.5;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Npy.writeRowMajor(out, v, n, 1);
    Npy.Matrix m = Npy.read(new ByteArrayInputStream(out.toByteArray()), "pieces.npy");
    assertArrayEquals(v, m.data(), 0.0);
  }
}
