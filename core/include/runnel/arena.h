#pragma once
// Arena: bump allocation of bytes whose lifetime is one batch. Reset() keeps the first block,
// so a filter chain that reuses its arena allocates nothing per record once warm.
// Views returned stay valid until Reset() or destruction. Not thread-safe.

#include <cstddef>
#include <memory>
#include <string_view>
#include <vector>

namespace runnel {

class Arena {
 public:
  explicit Arena(size_t block_size = 64 * 1024) : block_size_(block_size) {}
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  char* Allocate(size_t n);
  std::string_view Copy(std::string_view s);
  void Reset();
  size_t bytes_used() const { return used_total_; }

 private:
  struct Block {
    std::unique_ptr<char[]> data;
    size_t size = 0;
  };
  size_t block_size_;
  std::vector<Block> blocks_;
  size_t current_ = 0;  // index of the block being filled
  size_t offset_ = 0;   // bytes used in that block
  size_t used_total_ = 0;
};

}  // namespace runnel
