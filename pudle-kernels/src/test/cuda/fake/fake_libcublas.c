/*
 * A stand-in for libcublas.so.13 (version node libcublas.so.13, as the real one) for the tests of
 * the cuBLAS binding without a GPU (FakeCudaLibraries, CublasFakeLibraryTest): the handle calls,
 * and cublasDgemm_v2 / cublasSgemm_v2 as the reference column-major products on HOST memory, with
 * the signatures and the semantics of cuBLAS (C = alpha op(A) op(B) + beta C; C is not read when
 * beta == 0). A product on a stream other than the default one checks that the stream is one the
 * fake libcuda.so.1 made (it starts with its magic number). The handle records the stream, the math mode and the atomics mode it was given;
 * cublasGetMathMode / cublasGetAtomicsMode / cublasGetStream_v2 read them back.
 */
#include <stdlib.h>
#include <string.h>

typedef struct {
  void *stream;
  int math;
  int atomics;
  void *workspace;
  size_t workspace_bytes;
} fake_handle;

enum { OK = 0, NOT_INITIALIZED = 1, INVALID_VALUE = 7, MAPPING_ERROR = 11 };

int cublasCreate_v2(fake_handle **h) {
  fake_handle *f = calloc(1, sizeof(fake_handle));
  if (f == NULL) {
    return 3; /* CUBLAS_STATUS_ALLOC_FAILED */
  }
  *h = f;
  return OK;
}

int cublasDestroy_v2(fake_handle *h) {
  if (h == NULL) {
    return NOT_INITIALIZED;
  }
  free(h);
  return OK;
}

int cublasSetStream_v2(fake_handle *h, void *stream) {
  h->stream = stream;
  h->workspace = NULL; /* as cuBLAS: setting the stream resets the workspace */
  h->workspace_bytes = 0;
  return OK;
}

/* The workspace is written over, as cuBLAS may: a wrong address or size shows. */
int cublasSetWorkspace_v2(fake_handle *h, void *workspace, size_t bytes) {
  if (bytes > 0 && workspace == NULL) {
    return INVALID_VALUE;
  }
  h->workspace = workspace;
  h->workspace_bytes = bytes;
  memset(workspace, 0x7f, bytes);
  return OK;
}

int cublasGetStream_v2(fake_handle *h, void **stream) {
  *stream = h->stream;
  return OK;
}

int cublasSetMathMode(fake_handle *h, int mode) {
  h->math = mode;
  return OK;
}

int cublasGetMathMode(fake_handle *h, int *mode) {
  *mode = h->math;
  return OK;
}

int cublasSetAtomicsMode(fake_handle *h, int mode) {
  h->atomics = mode;
  return OK;
}

int cublasGetAtomicsMode(fake_handle *h, int *mode) {
  *mode = h->atomics;
  return OK;
}

int cublasGetProperty(int type, int *value) {
  static const int version[] = {13, 1, 0};
  if (type < 0 || type > 2) {
    return INVALID_VALUE;
  }
  *value = version[type];
  return OK;
}

int cublasGetVersion_v2(fake_handle *h, int *version) {
  (void) h;
  *version = 130100;
  return OK;
}

const char *cublasGetStatusString(int status) {
  return status == OK ? "CUBLAS_STATUS_SUCCESS" : "fake cuBLAS error";
}

#define GEMM(NAME, T)                                                                              \
  int NAME(fake_handle *h, int ta, int tb, int m, int n, int k, const T *alpha, const T *a, int lda, \
      const T *b, int ldb, const T *beta, T *c, int ldc) {                                           \
    if (h == NULL) {                                                                               \
      return NOT_INITIALIZED;                                                                      \
    }                                                                                              \
    if (h->stream != NULL && *(const unsigned int *) h->stream != 0x5354524dU) {                   \
      return MAPPING_ERROR;                                                                        \
    }                                                                                              \
    if (m < 0 || n < 0 || k < 0 || ta < 0 || ta > 1 || tb < 0 || tb > 1 || ldc < m                 \
        || lda < (ta ? k : m) || ldb < (tb ? n : k)) {                                             \
      return INVALID_VALUE;                                                                        \
    }                                                                                              \
    for (int j = 0; j < n; j++) {                                                                  \
      for (int i = 0; i < m; i++) {                                                                \
        T s = 0;                                                                                   \
        for (int l = 0; l < k; l++) {                                                              \
          T x = ta ? a[l + (long) i * lda] : a[i + (long) l * lda];                                \
          T y = tb ? b[j + (long) l * ldb] : b[l + (long) j * ldb];                                \
          s += x * y;                                                                              \
        }                                                                                          \
        T *out = &c[i + (long) j * ldc];                                                           \
        *out = *beta == 0 ? *alpha * s : *alpha * s + *beta * *out;                                \
      }                                                                                            \
    }                                                                                              \
    return OK;                                                                                     \
  }

GEMM(cublasDgemm_v2, double)
GEMM(cublasSgemm_v2, float)
