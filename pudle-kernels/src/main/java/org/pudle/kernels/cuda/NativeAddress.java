package org.pudle.kernels.cuda;

import jcuda.NativePointerObject;

/**
 * The native value of a JCuda handle (a {@code CUstream}, the base address of a
 * {@code CUdeviceptr} from {@code cuMemAlloc}): what cuBLAS is given for the same stream and
 * memory. JCuda keeps it in {@link NativePointerObject}, whose copy constructor and getter are
 * open to subclasses.
 */
final class NativeAddress extends NativePointerObject {
  private NativeAddress(NativePointerObject of) {
    super(of);
  }

  /** The handle's native pointer (for a device pointer: without any JCuda byte offset). */
  static long of(NativePointerObject handle) {
    return new NativeAddress(handle).getNativePointer();
  }
}
