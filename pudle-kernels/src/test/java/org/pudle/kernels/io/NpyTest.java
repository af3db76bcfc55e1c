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

import org.junit.jupiter.api.Test;

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
}
