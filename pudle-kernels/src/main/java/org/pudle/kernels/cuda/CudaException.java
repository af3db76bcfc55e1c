package org.pudle.kernels.cuda;

import jcuda.driver.CUresult;

/** A CUDA driver call that did not return {@code CUDA_SUCCESS}: the call, its status and its name. */
public final class CudaException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;

  public CudaException(String call, int status) {
    super(call + " failed: " + CUresult.stringFor(status) + " (" + status + ")");
    this.status = status;
  }

  /** The {@code CUresult} code. */
  public int status() {
    return status;
  }

  /** Whether the device ran out of memory ({@code CUDA_ERROR_OUT_OF_MEMORY}). */
  public boolean outOfMemory() {
    return status == CUresult.CUDA_ERROR_OUT_OF_MEMORY;
  }

  /** Throws when {@code status} is not {@code CUDA_SUCCESS}. */
  static void check(int status, String call) {
    if (status != CUresult.CUDA_SUCCESS) {
      throw new CudaException(call, status);
    }
  }
}
