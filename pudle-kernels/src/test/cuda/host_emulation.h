// host_emulation.h: just enough of CUDA's execution model to run pudle_kernels.cu on the CPU
// with g++, for checking the kernels' index arithmetic, bounds and barriers without a GPU.
//
// A launch runs the blocks one after another; the threads of a block run concurrently as
// std::threads and meet at a std::barrier in __syncthreads(). __shared__ becomes a static
// local, which is shared by the threads of the running block, as on the device (only one
// block runs at a time). Nothing here models warps, timing or the memory hierarchy.
#pragma once

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <barrier>
#include <functional>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

#define PUDLE_HOST_EMULATION 1
#define PUDLE_LAUNCH_BOUNDS(n)
#define __global__
#define __device__
#define __forceinline__ inline
#define __shared__ static

struct uint3 {
  unsigned x, y, z;
};
struct dim3 {
  unsigned x = 1, y = 1, z = 1;
};

inline thread_local uint3 threadIdx;
inline thread_local uint3 blockIdx;
inline dim3 blockDim;
inline dim3 gridDim;
inline std::barrier<>* emulationBarrier = nullptr;

inline void __syncthreads() {
  if (emulationBarrier == nullptr) {
    std::fprintf(stderr, "__syncthreads() in a kernel launched by emulateLaunchSerial\n");
    std::abort();
  }
  emulationBarrier->arrive_and_wait();
}

// The threads of one block, started once per block size and reused by every launch (thread
// creation dominated the run time otherwise).
class EmulationPool {
 public:
  explicit EmulationPool(unsigned n) : start_(n + 1), done_(n + 1), sync_(n) {
    for (unsigned t = 0; t < n; t++) {
      threads_.emplace_back([this, t] {
        for (;;) {
          start_.arrive_and_wait();
          if (stop_) {
            return;
          }
          threadIdx = uint3{t, 0, 0};
          blockIdx = block_;
          (*job_)();
          done_.arrive_and_wait();
        }
      });
    }
  }
  ~EmulationPool() {
    stop_ = true;
    start_.arrive_and_wait();
    for (auto& th : threads_) {
      th.join();
    }
  }
  void run(uint3 block, const std::function<void()>& job) {
    block_ = block;
    job_ = &job;
    emulationBarrier = &sync_;
    start_.arrive_and_wait();
    done_.arrive_and_wait();
  }

 private:
  std::vector<std::thread> threads_;
  std::barrier<> start_;
  std::barrier<> done_;
  std::barrier<> sync_;
  uint3 block_{0, 0, 0};
  const std::function<void()>* job_ = nullptr;
  bool stop_ = false;
};

// Runs kernel() on every thread of every block of grid x block, the blocks one after another.
inline void emulateLaunch(dim3 grid, dim3 block, const std::function<void()>& kernel) {
  if (block.y != 1 || block.z != 1) {
    throw std::invalid_argument("the emulation runs one-dimensional blocks only");
  }
  static std::vector<std::unique_ptr<EmulationPool>> pools(1025);
  if (block.x < 1 || block.x > 1024) {
    throw std::invalid_argument("block size out of range");
  }
  if (!pools[block.x]) {
    pools[block.x] = std::make_unique<EmulationPool>(block.x);
  }
  gridDim = grid;
  blockDim = block;
  for (unsigned bz = 0; bz < grid.z; bz++) {
    for (unsigned by = 0; by < grid.y; by++) {
      for (unsigned bx = 0; bx < grid.x; bx++) {
        pools[block.x]->run(uint3{bx, by, bz}, kernel);
      }
    }
  }
  emulationBarrier = nullptr;
}

// Runs a kernel that has no __syncthreads() (the grid-stride element-wise kernels) on the calling
// thread, thread after thread: the same results as emulateLaunch, without waking a pool per
// block. A kernel that does call __syncthreads() stops the program (no barrier is installed).
inline void emulateLaunchSerial(dim3 grid, dim3 block, const std::function<void()>& kernel) {
  if (block.y != 1 || block.z != 1) {
    throw std::invalid_argument("the emulation runs one-dimensional blocks only");
  }
  gridDim = grid;
  blockDim = block;
  emulationBarrier = nullptr;
  for (unsigned bz = 0; bz < grid.z; bz++) {
    for (unsigned by = 0; by < grid.y; by++) {
      for (unsigned bx = 0; bx < grid.x; bx++) {
        blockIdx = uint3{bx, by, bz};
        for (unsigned t = 0; t < block.x; t++) {
          threadIdx = uint3{t, 0, 0};
          kernel();
        }
      }
    }
  }
}
