package org.pudle.kernels.cuda;

/** An allocation the device could not satisfy; the caller may free memory or use smaller chunks. */
public final class DeviceOutOfMemoryException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public DeviceOutOfMemoryException(String message, Throwable cause) {
    super(message, cause);
  }
}
