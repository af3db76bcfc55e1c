package org.pudle.kernels.cuda;

/**
 * A region of device memory of {@link #elements()} values of one {@link Precision} (statistics
 * buffers are always double). Freed by {@link #close()}; closing twice is a no-op.
 */
public interface DeviceBuffer extends AutoCloseable {

  /** The number of values. */
  long elements();

  /** The element type. */
  Precision precision();

  /** The size in bytes. */
  default long bytes() {
    return elements() * precision().bytes();
  }

  /** A position in this buffer, {@code offset} values from its start. */
  default Ptr at(long offset) {
    return new Ptr(this, offset);
  }

  @Override
  void close();

  /**
   * A position in a device buffer, in values (not bytes).
   *
   * @param buffer the buffer
   * @param offset values from its start, non-negative
   */
  record Ptr(DeviceBuffer buffer, long offset) {
    public Ptr {
      if (offset < 0 || offset > buffer.elements()) {
        throw new IllegalArgumentException("device pointer: offset " + offset + " outside a buffer of "
            + buffer.elements() + " values");
      }
    }

    /** This position moved by {@code more} values. */
    public Ptr plus(long more) {
      return new Ptr(buffer, offset + more);
    }

    /** Checks that {@code n} values from here lie inside the buffer. */
    public Ptr span(long n, String what) {
      if (n < 0 || offset + n > buffer.elements()) {
        throw new IllegalArgumentException(what + ": " + n + " values from offset " + offset + " overrun a buffer of "
            + buffer.elements());
      }
      return this;
    }
  }
}
