/*
 * A stand-in for the NVIDIA driver's libcuda.so.1 on a machine without one, for the loader tests
 * (FakeCudaLibraries): cuInit says there is no device; memory is host memory (cuMemAlloc_v2 is
 * malloc, the copies are memcpy) and a stream is a small block that starts with FAKE_STREAM_MAGIC,
 * which the fake cuBLAS checks, so a test sees whether the handles JCuda returns reach cuBLAS.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FAKE_STREAM_MAGIC 0x5354524dU

typedef unsigned long long CUdeviceptr;

int cuInit(unsigned int flags) {
  (void) flags;
  return 100; /* CUDA_ERROR_NO_DEVICE */
}

int cuDriverGetVersion(int *version) {
  *version = 13000;
  return 0;
}

int cuMemAlloc_v2(CUdeviceptr *p, size_t bytes) {
  void *m = malloc(bytes ? bytes : 1);
  if (m == NULL) {
    return 2; /* CUDA_ERROR_OUT_OF_MEMORY */
  }
  *p = (CUdeviceptr) (uintptr_t) m;
  return 0;
}

int cuMemFree_v2(CUdeviceptr p) {
  free((void *) (uintptr_t) p);
  return 0;
}

int cuMemcpyHtoD_v2(CUdeviceptr dst, const void *src, size_t bytes) {
  memcpy((void *) (uintptr_t) dst, src, bytes);
  return 0;
}

int cuMemcpyDtoH_v2(void *dst, CUdeviceptr src, size_t bytes) {
  memcpy(dst, (const void *) (uintptr_t) src, bytes);
  return 0;
}

int cuStreamCreate(void **stream, unsigned int flags) {
  (void) flags;
  unsigned int *s = malloc(sizeof(unsigned int));
  if (s == NULL) {
    return 2;
  }
  *s = FAKE_STREAM_MAGIC;
  *stream = s;
  return 0;
}

int cuStreamDestroy_v2(void *stream) {
  free(stream);
  return 0;
}
